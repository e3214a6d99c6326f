package rules

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite the expected error files of testdata/*.bad*")

// loadGolden loads a testdata case: a *.yaml file on its own (its errors
// name the bare file) or a directory.
func loadGolden(path string) (*Set, error) {
	if strings.HasSuffix(path, ".yaml") {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return LoadFS(fstest.MapFS{filepath.Base(path): {Data: data}})
	}
	return LoadDir(path)
}

// checkGolden loads a case and runs its examples: every problem, joined.
func checkGolden(path string) error {
	s, err := loadGolden(path)
	if err != nil {
		return err
	}
	return errors.Join(s.Check(analyze)...)
}

func TestGoodFiles(t *testing.T) {
	cases, _ := filepath.Glob("testdata/*.good*")
	if len(cases) == 0 {
		t.Fatal("no testdata/*.good* cases")
	}
	for _, path := range cases {
		t.Run(filepath.Base(path), func(t *testing.T) {
			if err := checkGolden(path); err != nil {
				t.Errorf("%s:\n%v", path, err)
			}
		})
	}
}

// TestBadFiles compares every problem found in testdata/NAME.bad.yaml (or
// the directory testdata/NAME.bad) with testdata/NAME.bad.err, in the
// manner of Prometheus' rulefmt tests. go test -run TestBadFiles -update
// rewrites the .err files.
func TestBadFiles(t *testing.T) {
	cases, _ := filepath.Glob("testdata/*.bad")
	files, _ := filepath.Glob("testdata/*.bad.yaml")
	cases = append(cases, files...)
	if len(cases) == 0 {
		t.Fatal("no testdata/*.bad* cases")
	}
	for _, path := range cases {
		t.Run(filepath.Base(path), func(t *testing.T) {
			err := checkGolden(path)
			if err == nil {
				t.Fatalf("%s: no error", path)
			}
			got := err.Error() + "\n"
			want := strings.TrimSuffix(path, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(w) {
				t.Errorf("%s: errors\n%s\nwant (%s)\n%s", path, got, want, w)
			}
		})
	}
}
