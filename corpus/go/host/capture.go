package main

import (
	"io"
	"os"
)

// realStdout is where the transcript goes; the plugin's own output to
// os.Stdout and os.Stderr is captured per operation.
var realStdout = os.Stdout

type capture struct {
	stdout, stderr *os.File
}

func startCapture() *capture {
	c := &capture{stdout: tempFile(), stderr: tempFile()}
	os.Stdout, os.Stderr = c.stdout, c.stderr
	return c
}

// stop restores the real stdout and stderr and returns what the plugin wrote
// to each.
func (c *capture) stop() (stdout, stderr string) {
	os.Stdout, os.Stderr = realStdout, realStderr
	return drain(c.stdout), drain(c.stderr)
}

var realStderr = os.Stderr

func tempFile() *os.File {
	f, err := os.CreateTemp("", "host-capture-*")
	if err != nil {
		fatal(err)
	}
	os.Remove(f.Name())
	return f
}

func drain(f *os.File) string {
	defer f.Close()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		fatal(err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		fatal(err)
	}
	return string(b)
}
