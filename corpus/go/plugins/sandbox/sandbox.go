// Package main is the corpus plugin that reaches for the host: files, environment, network,
// processes and the clock. Go's own host lets it; the emulator's default policy answers each
// with what Go would see from a kernel that refuses (permission denied) or from a virtual
// clock. Its scenario does only what answers the same both ways (types, captured output, an
// unset variable); tests/test_policy.py checks the rest against the policy.
package main

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// ReadFile reads a file of the host.
func ReadFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

// WriteFile writes a file of the host.
func WriteFile(path, data string) error { return os.WriteFile(path, []byte(data), 0o644) }

// Getenv reads the process environment.
func Getenv(key string) string { return os.Getenv(key) }

// Hostname asks the host its name.
func Hostname() (string, error) { return os.Hostname() }

// Socket opens a TCP socket.
func Socket() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.Close(fd)
	}
	return err
}

// Run starts a process.
func Run(path string) error {
	p, err := os.StartProcess(path, []string{path}, &os.ProcAttr{})
	if err == nil {
		p.Kill()
	}
	return err
}

// Now is the wall clock in nanoseconds.
func Now() int64 { return time.Now().UnixNano() }

// Slept sleeps ms milliseconds and says how many passed.
func Slept(ms int) int64 {
	start := time.Now()
	time.Sleep(time.Duration(ms) * time.Millisecond)
	return int64(time.Since(start) / time.Millisecond)
}

// Say writes to stdout and stderr.
func Say(s string) {
	fmt.Println(s)
	fmt.Fprintln(os.Stderr, "err:", s)
}

// Spin never returns.
func Spin(n int) int {
	for {
		n = n*31 + 7
	}
}

// Wait blocks on a channel nothing will ever send on: with no other goroutine, Go's deadlock.
func Wait() int {
	return <-make(chan int)
}
