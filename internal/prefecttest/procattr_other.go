//go:build unix && !linux

package prefecttest

import "syscall"

// childAttr puts a server or worker in its own process group, so it is stopped with its children.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
