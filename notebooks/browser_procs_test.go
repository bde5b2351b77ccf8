package notebooks

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// browser_procs_test.go: the browser test's processes (Jupyter and its kernels, Chromium) and their cleanup
// on every exit path.
//
// Jupyter starts each kernel in a new session (jupyter_client's start_new_session), so killing Jupyter's
// process group leaves the GoNB kernel and its cell programs running. cleanup therefore walks /proc for every
// descendant of the processes the test started, signals each of their process groups, and keeps walking
// while they shut down, so a process forked during the shutdown is caught too.

// procInfo is one line of /proc/PID/stat: what the cleanup needs.
type procInfo struct {
	ppid, pgid int
	zombie     bool
}

// procTable reads every process's parent, group and state from /proc.
func procTable() map[int]procInfo {
	entries, _ := os.ReadDir("/proc")
	table := make(map[int]procInfo, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if info, ok := readStat(pid); ok {
			table[pid] = info
		}
	}
	return table
}

// readStat parses /proc/PID/stat; the command name may hold spaces and parentheses, so fields are read
// after its last ')'.
func readStat(pid int) (procInfo, bool) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procInfo{}, false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procInfo{}, false
	}
	f := strings.Fields(s[i+1:]) // state ppid pgrp session ...
	if len(f) < 3 {
		return procInfo{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	pgid, _ := strconv.Atoi(f[2])
	return procInfo{ppid: ppid, pgid: pgid, zombie: f[0] == "Z" || f[0] == "X"}, true
}

// descendants returns roots and every process below them in table.
func descendants(table map[int]procInfo, roots []int) []int {
	children := map[int][]int{}
	for pid, info := range table {
		children[info.ppid] = append(children[info.ppid], pid)
	}
	var out []int
	seen := map[int]bool{}
	queue := slices.Clone(roots)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		if _, ok := table[pid]; ok {
			out = append(out, pid)
		}
		queue = append(queue, children[pid]...)
	}
	return out
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	info, ok := readStat(pid)
	return ok && !info.zombie
}

// terminate ends roots and all their descendants: SIGTERM to each of their process groups (never the test's
// own), SIGKILL to whatever is left after grace. It returns the processes still alive after that, which
// should be none.
func terminate(roots []int, grace time.Duration) []int {
	own := syscall.Getpgrp()
	seen := map[int]bool{}
	groups := map[int]bool{}
	collect := func() {
		table := procTable()
		live := slices.Clone(roots)
		for pid := range seen {
			if alive(pid) {
				live = append(live, pid)
			}
		}
		for pid, info := range table {
			if info.ppid == os.Getpid() {
				live = append(live, pid) // orphans the test adopted as subreaper (see newReaper)
			}
		}
		for _, pid := range descendants(table, live) {
			seen[pid] = true
			if info, ok := readStat(pid); ok && info.pgid > 1 && info.pgid != own {
				groups[info.pgid] = true
			}
		}
	}
	signalAll := func(sig syscall.Signal) {
		for g := range groups {
			_ = syscall.Kill(-g, sig)
		}
		for pid := range seen {
			if info, ok := readStat(pid); ok && info.pgid == own {
				_ = syscall.Kill(pid, sig) // a process in the test's own group: only itself
			}
		}
	}
	survivors := func() []int {
		var out []int
		for pid := range seen {
			if alive(pid) {
				out = append(out, pid)
			}
		}
		slices.Sort(out)
		return out
	}
	defer func() { reap(seen, roots) }()
	collect()
	signalAll(syscall.SIGTERM)
	for deadline := time.Now().Add(grace); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		collect()
		if len(survivors()) == 0 {
			return nil
		}
		signalAll(syscall.SIGTERM) // newcomers
	}
	collect()
	signalAll(syscall.SIGKILL)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if len(survivors()) == 0 {
			return nil
		}
	}
	return survivors()
}

// reap collects the exit status of the dead processes in seen that the test adopted, so none is left a
// zombie. The roots are left to their exec.Cmd's Wait.
func reap(seen map[int]bool, roots []int) {
	for pid := range seen {
		if info, ok := readStat(pid); ok && info.zombie && info.ppid == os.Getpid() && !slices.Contains(roots, pid) {
			var ws syscall.WaitStatus
			_, _ = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		}
	}
}

// describe returns "PID command" lines for pids, for an error message.
func describeProcs(pids []int) string {
	var lines []string
	for _, pid := range pids {
		cmd, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		lines = append(lines, fmt.Sprintf("%d %s", pid, strings.ReplaceAll(strings.TrimRight(string(cmd), "\x00"), "\x00", " ")))
	}
	return strings.Join(lines, "\n")
}

// reaper cleans up the test's processes exactly once: from t.Cleanup (a pass, a failure or a panic of the
// test) or from a signal to the test binary (Ctrl-C, SIGTERM, SIGHUP, SIGPIPE), after which it exits.
type reaper struct {
	mu    sync.Mutex
	roots []int
	steps []func() // run before the processes are terminated, e.g. closing the browser connection
	dirs  []string // removed after them
	once  sync.Once
	left  []int
	sigs  chan os.Signal
	done  chan struct{}
}

// newReaper makes the test process a child subreaper (Linux): processes orphaned under it (a kernel whose
// Jupyter died first, Chromium's crash handlers, which detach at start) become its children rather than
// init's, so the cleanup finds them and reaps them instead of leaving zombies. cleanup turns this off.
func newReaper() *reaper {
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	r := &reaper{sigs: make(chan os.Signal, 1), done: make(chan struct{})}
	signal.Notify(r.sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	go func() {
		select {
		case sig := <-r.sigs:
			fmt.Fprintf(os.Stderr, "browser test: %v: stopping Jupyter and Chromium\n", sig)
			r.cleanup()
			os.Exit(2)
		case <-r.done:
		}
	}()
	return r
}

// add registers a process whose tree cleanup ends.
func (r *reaper) add(pid int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.roots = append(r.roots, pid)
}

// before registers a step run first by cleanup.
func (r *reaper) before(step func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps = append(r.steps, step)
}

// removeAfter registers a folder cleanup deletes once the processes that use it are gone.
func (r *reaper) removeAfter(dir string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dirs = append(r.dirs, dir)
}

// cleanup runs the steps, terminates every registered process tree and deletes the registered folders; it
// returns the processes it could not end.
func (r *reaper) cleanup() []int {
	r.once.Do(func() {
		signal.Stop(r.sigs)
		close(r.done)
		r.mu.Lock()
		steps, roots, dirs := slices.Clone(r.steps), slices.Clone(r.roots), slices.Clone(r.dirs)
		r.mu.Unlock()
		for i := len(steps) - 1; i >= 0; i-- {
			steps[i]()
		}
		r.left = terminate(roots, 10*time.Second)
		_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
		for _, d := range dirs {
			removeAll(d)
		}
	})
	return r.left
}

// removeAll deletes dir, making read-only parts writable first (Go writes module files read-only).
func removeAll(dir string) {
	if os.RemoveAll(dir) == nil {
		return
	}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil {
			os.Chmod(p, info.Mode()|0o700)
		}
		return nil
	})
	os.RemoveAll(dir)
}
