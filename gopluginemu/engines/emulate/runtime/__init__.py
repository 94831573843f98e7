"""The host's half of the Go runtime, played by the emulator: process state (g/m/p, TLS, module
list, init order), the runtime entry points it answers itself (allocation, stacks), the import
stubs of the C library, and system calls behind one policy seam."""
