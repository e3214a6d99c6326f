package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds the loader arbitrary rule files and lists: it must never
// panic, and every problem must be an *Error naming one of the files. A
// set that loads must evaluate any post without panicking. Seeds: the
// golden files and testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("default/*.yaml")
	for _, p := range append(paths, more...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte("u1 rule=x until=2026-01-01\nu2\n"), []byte("宝妈\njoin my team\n"))
	}
	f.Fuzz(func(t *testing.T, rules, authors, keywords []byte) {
		fsys := fstest.MapFS{
			"r.yaml":                    {Data: rules},
			"lists/allow_authors.txt":   {Data: authors},
			"lists/fuzzed_keywords.txt": {Data: keywords},
		}
		s, err := LoadFS(fsys)
		if err != nil {
			var all interface{ Unwrap() []error }
			errs := []error{err}
			if errors.As(err, &all) {
				errs = all.Unwrap()
			}
			for _, e := range errs {
				var re *Error
				if !errors.As(e, &re) {
					t.Fatalf("%v (%T) is not an *Error", e, e)
				}
				if !strings.HasPrefix(re.File, "r.yaml") && !strings.HasPrefix(re.File, "lists/") && re.File != "." {
					t.Fatalf("error names %q", re.File)
				}
			}
			return
		}
		s.Eval(featuresOf(string(rules)), nil)
		s.Check(analyze)
	})
}
