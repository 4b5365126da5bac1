package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// On PostgreSQL, which keeps import files itself, a process's uploads arrive
// in a temporary folder of its own before they are stored. The process
// removes its folder when it ends; a process that is killed cannot, and
// every crash would leave a folder behind, each with whatever was arriving.
// So each process holds a lock on its folder while it runs (flock: the
// kernel releases it however the process ends), and a new folder is made
// only after the folders whose lock is free are removed.

const uploadsPattern = "localcrm-uploads-"

// uploadsGrace is how old a folder must be before it is removed: a folder
// just made is locked a moment later, by the process that made it.
const uploadsGrace = time.Minute

// uploadsFolder is a process's folder for uploads, locked while it is open.
type uploadsFolder struct {
	path string
	lock *os.File
}

// newUploadsFolder removes the folders of processes that ended without
// removing theirs, then makes and locks a new one.
func newUploadsFolder() (*uploadsFolder, error) {
	removeLeftUploads(time.Now())
	dir, err := os.MkdirTemp("", uploadsPattern)
	if err != nil {
		return nil, fmt.Errorf("make a folder for uploads: %w", err)
	}
	f, err := lockFolder(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("lock the folder for uploads %s: %w", dir, err)
	}
	return &uploadsFolder{path: dir, lock: f}, nil
}

// remove removes the folder, then lets go of its lock.
func (u *uploadsFolder) remove() {
	os.RemoveAll(u.path)
	u.lock.Close()
}

// removeLeftUploads removes the uploads folders, older than uploadsGrace at
// now, that no running process holds. It is tidying: a folder it cannot
// read or remove is left as it is.
func removeLeftUploads(now time.Time) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), uploadsPattern+"*"))
	for _, dir := range dirs {
		if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() || now.Sub(fi.ModTime()) < uploadsGrace {
			continue
		}
		if f, err := lockFolder(dir); err == nil {
			os.RemoveAll(dir)
			f.Close()
		}
	}
}

// lockFolder takes dir's lock without waiting; it fails when another
// process holds it.
func lockFolder(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
