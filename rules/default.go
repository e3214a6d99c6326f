package rules

import (
	"embed"
	"io/fs"
	"path"
)

// defaultPack is the default rule pack: rules/default/*.yaml and its lists.
//
//go:embed default
var defaultPack embed.FS

// DefaultFS returns the default rule pack as a file system, for tools that
// show or copy it.
func DefaultFS() fs.FS {
	sub, err := fs.Sub(defaultPack, "default")
	if err != nil {
		panic(err) // the embedded folder exists: a build without it fails
	}
	return sub
}

// Default loads the default rule pack embedded in the binary: friend-circle
// MLM recruitment, pay-first and too-good-to-be-true deals, guaranteed
// returns, prize-fee and fake-refund scams, contact baiting, and brushing
// thresholds in shadow mode. Errors name files as rules/default/….
func Default(opts ...Option) (*Set, error) {
	return load(DefaultFS(), func(name string) string { return path.Join("rules/default", name) }, opts)
}
