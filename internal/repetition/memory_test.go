package repetition

import "testing"

func TestMemory(t *testing.T) {
	runConformance(t, func(t *testing.T) Store {
		m, err := NewMemory(MemoryConfig{MaxPosts: 10_000})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}, nil)
}
