package main

import (
	"testing"
	"time"
)

// TestBurnPlan: the burner spreads its load over whole goroutines, never more than the CPUs,
// and keeps the cores asked for busy on average (no timing measured: the plan only).
func TestBurnPlan(t *testing.T) {
	for _, tc := range []struct {
		cores float64
		ncpu  int
		n     int
		busy  time.Duration
	}{
		{0, 2, 0, 0},
		{1, 2, 1, burnPeriod},
		{1.5, 2, 2, burnPeriod * 3 / 4},
		{0.5, 2, 1, burnPeriod / 2},
		{4, 2, 2, burnPeriod},
	} {
		n, busy := burnPlan(tc.cores, tc.ncpu)
		if n != tc.n || busy != tc.busy {
			t.Errorf("burnPlan(%g, %d) = %d, %v; want %d, %v", tc.cores, tc.ncpu, n, busy, tc.n, tc.busy)
		}
	}
	burn(0.1)() // starts and stops
}
