// Package main is the concurrency corpus plugin: goroutines, unbuffered and
// buffered channels, select, sync.Mutex, sync.WaitGroup, sync.Once, and the
// time package's Sleep, After and NewTimer, both in init and in calls.
//
// Every result is deterministic by construction: results gathered from
// several goroutines are combined by commutative operations or stored by
// index, and timer races are only between durations far apart (1 ms against
// 300 ms) or against a channel that is never ready.
package main

import (
	"fmt"
	"sync"
	"time"
)

// InitSum is computed by goroutines started in init.
var InitSum int

// InitSquares is filled in by index by goroutines started in init.
var InitSquares []int

// InitHandshake records an exchange over unbuffered channels made in init.
var InitHandshake string

func init() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	InitSquares = make([]int, 8)
	for i := 0; i < 8; i++ {
		i := i
		wg.Add(1)
		go func() {
			defer wg.Done()
			InitSquares[i] = i * i
			mu.Lock()
			InitSum += i
			mu.Unlock()
		}()
	}
	wg.Wait()

	ping, pong := make(chan string), make(chan string)
	go func() {
		msg := <-ping
		time.Sleep(time.Millisecond)
		pong <- msg + " pong"
	}()
	ping <- "ping"
	InitHandshake = <-pong
}

// ParallelSum sums 1..n with the range split among workers goroutines.
func ParallelSum(n, workers int) int {
	if workers < 1 {
		workers = 1
	}
	results := make(chan int, workers)
	chunk := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk+1, (w+1)*chunk
		if hi > n {
			hi = n
		}
		go func(lo, hi int) {
			s := 0
			for i := lo; i <= hi; i++ {
				s += i
			}
			results <- s
		}(lo, hi)
	}
	total := 0
	for w := 0; w < workers; w++ {
		total += <-results
	}
	return total
}

// Pipeline passes xs through three goroutine stages joined by unbuffered
// channels: double, add one, square. Order is preserved.
func Pipeline(xs []int) []int {
	src := make(chan int)
	go func() {
		for _, x := range xs {
			src <- x
		}
		close(src)
	}()
	stage := func(in <-chan int, f func(int) int) <-chan int {
		out := make(chan int)
		go func() {
			for v := range in {
				out <- f(v)
			}
			close(out)
		}()
		return out
	}
	out := stage(stage(stage(src, func(v int) int { return 2 * v }),
		func(v int) int { return v + 1 }),
		func(v int) int { return v * v })
	res := []int{}
	for v := range out {
		res = append(res, v)
	}
	return res
}

// FirstOf starts timers of a and b milliseconds and reports which fired
// first ("a" or "b"), stopping the other one. Should both have fired by the
// time the select runs (the process was paused), the earlier deadline wins
// rather than select's random choice.
func FirstOf(a, b int) string {
	ta := time.NewTimer(time.Duration(a) * time.Millisecond)
	tb := time.NewTimer(time.Duration(b) * time.Millisecond)
	select {
	case <-ta.C:
		if b < a && fired(tb.C) {
			return "b"
		}
		tb.Stop()
		return "a"
	case <-tb.C:
		if a <= b && fired(ta.C) {
			return "a"
		}
		ta.Stop()
		return "b"
	}
}

// fired reports whether c has a value ready, without blocking.
func fired(c <-chan time.Time) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Timeout waits for a result that never comes, giving up after ms
// milliseconds with time.After.
func Timeout(ms int) string {
	never := make(chan string)
	select {
	case s := <-never:
		return s
	case <-time.After(time.Duration(ms) * time.Millisecond):
		return "timeout"
	}
}

// WorkOrTimeout starts work that takes workMs milliseconds and waits at most
// limitMs for it. Should both be ready when the select runs, the shorter
// duration wins rather than select's random choice.
func WorkOrTimeout(workMs, limitMs int) string {
	done := make(chan string, 1)
	go func() {
		time.Sleep(time.Duration(workMs) * time.Millisecond)
		done <- "done"
	}()
	timeout := time.After(time.Duration(limitMs) * time.Millisecond)
	select {
	case s := <-done:
		if limitMs < workMs && fired(timeout) {
			return "timeout"
		}
		return s
	case <-timeout:
		if workMs <= limitMs {
			select {
			case s := <-done:
				return s
			default:
			}
		}
		return "timeout"
	}
}

// ProduceConsume sends n values through a channel with buf slots from one
// producer to one consumer and returns what the consumer received, in order,
// plus the channel's capacity.
func ProduceConsume(n, buf int) ([]int, int) {
	c := make(chan int, buf)
	go func() {
		for i := 1; i <= n; i++ {
			c <- i * 10
		}
		close(c)
	}()
	got := []int{}
	for v := range c {
		got = append(got, v)
	}
	return got, cap(c)
}

// FanIn has workers goroutines each send their id on one shared channel;
// it returns how many of each id arrived, indexed by id.
func FanIn(workers, each int) []int {
	c := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				c <- id
			}
		}(w)
	}
	go func() {
		wg.Wait()
		close(c)
	}()
	counts := make([]int, workers)
	for id := range c {
		counts[id]++
	}
	return counts
}

// MutexCounter has goroutines increment a shared counter under a mutex.
func MutexCounter(goroutines, each int) int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	n := 0
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				mu.Lock()
				n++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return n
}

var (
	once      sync.Once
	onceCalls int
)

// OnceInit runs its setup once however often, and from however many
// goroutines, it is called; it returns how often the setup ran.
func OnceInit(goroutines int) int {
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			once.Do(func() { onceCalls++ })
		}()
	}
	wg.Wait()
	return onceCalls
}

// Sleep sleeps ms milliseconds and reports that at least that long passed.
func Sleep(ms int) bool {
	d := time.Duration(ms) * time.Millisecond
	start := time.Now()
	time.Sleep(d)
	return time.Since(start) >= d
}

// StopTimer stops a long timer before it fires and reports Stop's result
// and whether its channel stayed empty.
func StopTimer() (stopped, empty bool) {
	t := time.NewTimer(time.Hour)
	stopped = t.Stop()
	select {
	case <-t.C:
		empty = false
	default:
		empty = true
	}
	return stopped, empty
}

// SelectReady selects over several channels of which only the one at index
// ready has a value, with a default case; -1 means none was ready.
func SelectReady(ready int) (int, string) {
	chans := []chan string{make(chan string, 1), make(chan string, 1), make(chan string, 1)}
	if ready >= 0 && ready < len(chans) {
		chans[ready] <- fmt.Sprintf("value %d", ready)
	}
	select {
	case v := <-chans[0]:
		return 0, v
	case v := <-chans[1]:
		return 1, v
	case v := <-chans[2]:
		return 2, v
	default:
		return -1, "none ready"
	}
}

// Ticker counts ticks of a 1 ms ticker until n have arrived.
func Ticker(n int) int {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	got := 0
	for got < n {
		<-t.C
		got++
	}
	return got
}

// Inbox is a buffered channel the host can see; Post and Drain use it.
var Inbox = make(chan string, 4)

// Post puts msg into Inbox without blocking, reporting whether it fit.
func Post(msg string) bool {
	select {
	case Inbox <- msg:
		return true
	default:
		return false
	}
}

// Drain empties Inbox and returns its messages in order.
func Drain() []string {
	out := []string{}
	for {
		select {
		case m := <-Inbox:
			out = append(out, m)
		default:
			return out
		}
	}
}

// Goroutines reports whether n goroutines, each blocked until released,
// all finish after release: a WaitGroup with a closed-channel broadcast.
func Goroutines(n int) int {
	release := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	finished := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-release
			mu.Lock()
			finished++
			mu.Unlock()
		}()
	}
	close(release)
	wg.Wait()
	return finished
}
