package main

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// burnPeriod is the burner's duty cycle period: short against a build's seconds, long against
// the scheduler's tick.
const burnPeriod = 20 * time.Millisecond

// burn starts a CPU burner keeping cores cores busy on average (the cold-loaded scenario's
// fixed background load, like another job on a CI runner): one goroutine per started core,
// each spinning for its share of every burnPeriod and sleeping the rest, so the load is
// bounded and spread over the cores whatever the scheduler does. stop ends it and waits.
func burn(cores float64) (stop func()) {
	n, busy := burnPlan(cores, runtime.NumCPU())
	if n == 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := uint64(i + 1)
			for {
				start := time.Now()
				for time.Since(start) < busy {
					for k := 0; k < 1000; k++ { // xorshift: work the compiler cannot drop
						x ^= x << 13
						x ^= x >> 7
						x ^= x << 17
					}
				}
				burnSink.Store(x)
				select {
				case <-done:
					return
				case <-time.After(burnPeriod - time.Since(start)):
				}
			}
		}()
	}
	return func() { close(done); wg.Wait() }
}

// burnPlan is how burn keeps cores busy on ncpu CPUs: n goroutines (cores rounded up, at
// most ncpu) each busy for busy of every burnPeriod.
func burnPlan(cores float64, ncpu int) (n int, busy time.Duration) {
	if cores <= 0 {
		return 0, 0
	}
	n = int(cores)
	if float64(n) < cores {
		n++
	}
	n = min(n, ncpu)
	return n, time.Duration(float64(burnPeriod) * min(cores/float64(n), 1))
}

// burnSink keeps the burner's results alive.
var burnSink atomic.Uint64
