package rules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// ReloadConfig configures a Reloader.
type ReloadConfig struct {
	// Dir is the rules directory (see LoadDir). Required.
	Dir string
	// Debounce is how long the directory must stay quiet after a change
	// before Run reloads: an editor's save or a `cp -r` is several events.
	// Default: 500ms.
	Debounce time.Duration
	// Analyze, when set, runs every example of a candidate set (Set.Check);
	// a set with a failing example is rejected like one that does not load.
	// Default: nil (examples are not run).
	Analyze func(Example) (*Features, error)
	// Metrics, when set, records reloads, the active version, and the
	// active set's evaluations. Default: nil.
	Metrics *Metrics
	// OnReload, when set, is called after every reload attempt but the
	// first (NewReloader returns that one's error), with the active set and
	// the attempt's error: nil on success; otherwise the previous set is
	// still active. Run also reports watch errors here (a reload follows
	// them). It is called from the goroutine that reloaded (Run's, or
	// Reload's caller); calls from Run and Reload may overlap. The caller
	// logs here, and must not call Reload. Default: nil.
	OnReload func(active *Set, err error)
}

// Validate reports the first problem with c.
func (c ReloadConfig) Validate() error {
	switch {
	case c.Dir == "":
		return errors.New("rules reload: dir is required")
	case c.Debounce < 0:
		return fmt.Errorf("rules reload: debounce %v is negative", c.Debounce)
	}
	return nil
}

// DefaultDebounce is ReloadConfig.Debounce's default.
const DefaultDebounce = 500 * time.Millisecond

// Reloader keeps the active rule set of a directory: it loads the whole
// set again on Reload (the caller's SIGHUP) or, in Run, when the directory
// changes, and swaps it in atomically only when it loads (and, with
// Analyze, its examples pass). On any error the previous set stays active.
// Set is safe to call from any goroutine at any time.
type Reloader struct {
	cfg    ReloadConfig
	active atomic.Pointer[Set]
	mu     sync.Mutex // serialises reloads
}

// NewReloader loads the directory's rules and returns a Reloader holding
// them; it fails when they do not load or their examples fail.
func NewReloader(cfg ReloadConfig) (*Reloader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Debounce == 0 {
		cfg.Debounce = DefaultDebounce
	}
	r := &Reloader{cfg: cfg}
	s, err := r.load()
	r.cfg.Metrics.reloaded(err)
	if err != nil {
		return nil, err
	}
	s.attach(cfg.Metrics)
	r.active.Store(s)
	cfg.Metrics.activated(s, nil)
	return r, nil
}

// Set returns the active rule set.
func (r *Reloader) Set() *Set { return r.active.Load() }

// load loads and checks the directory's rules.
func (r *Reloader) load() (*Set, error) {
	s, err := LoadDir(r.cfg.Dir)
	if err != nil {
		return nil, err
	}
	if errs := s.Check(r.cfg.Analyze); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Reload loads the directory again and makes it the active set if it is
// valid; otherwise it keeps the active set and returns why. A set with the
// same version as the active one is still swapped in (a no-op for
// evaluation).
func (r *Reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.active.Load()
	s, err := r.load()
	if err == nil {
		s.attach(r.cfg.Metrics)
		r.active.Store(s)
		r.cfg.Metrics.activated(s, old)
	} else {
		err = fmt.Errorf("rules reload %s (keeping %s): %w", r.cfg.Dir, old.Version(), err)
	}
	r.cfg.Metrics.reloaded(err)
	if r.cfg.OnReload != nil {
		r.cfg.OnReload(r.active.Load(), err)
	}
	return err
}

// Run watches the directory and its lists/ folder with fsnotify and
// reloads once they have been quiet for Debounce after a change. It
// returns nil when ctx is done, or an error when the watch cannot be set
// up. Reload errors go to OnReload, not here. Replacing files in the
// directory (editors, `cp`, Kubernetes ConfigMap symlink swaps) is seen;
// removing and recreating the directory itself ends the watch of it:
// SIGHUP (Reload) still works.
func (r *Reloader) Run(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("rules watch %s: %w", r.cfg.Dir, err)
	}
	defer w.Close()
	if err := w.Add(r.cfg.Dir); err != nil {
		return fmt.Errorf("rules watch %s: %w", r.cfg.Dir, err)
	}
	lists := filepath.Join(r.cfg.Dir, "lists")
	watchingLists := false
	watchLists := func() {
		if !watchingLists {
			if st, err := os.Stat(lists); err == nil && st.IsDir() && w.Add(lists) == nil {
				watchingLists = true
			}
		}
	}
	watchLists()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			if filepath.Clean(ev.Name) == filepath.Clean(lists) {
				if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
					watchingLists = false // fsnotify drops the watch
				}
				watchLists()
			}
			timer.Reset(r.cfg.Debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			// An overflow loses events: reload to be sure.
			if r.cfg.OnReload != nil && !errors.Is(err, fsnotify.ErrEventOverflow) {
				r.cfg.OnReload(r.active.Load(), fmt.Errorf("rules watch %s: %w", r.cfg.Dir, err))
			}
			timer.Reset(r.cfg.Debounce)
		case <-timer.C:
			watchLists()
			_ = r.Reload() // reported through OnReload and the metrics
		}
	}
}
