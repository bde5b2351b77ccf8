package notebooks

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// browser_session_test.go: starting classic Jupyter Notebook and headless Chromium for the browser test
// (the recipe of ../shared/NOTEBOOKS.md, "Testing sliders in a real browser").

const (
	// browserEnv must be "1" for the browser test.
	browserEnv = "PMVI_BROWSER"
	// chromiumPath is Debian's Chromium (scripts/setup-notebooks.sh --browser installs it).
	chromiumPath = "/usr/bin/chromium"
)

// chromiumFlags run Chromium headless, as root in a container, without any network traffic of its own.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--window-size=1280,1600",
}

// requireBrowser skips the test unless PMVI_BROWSER=1, and fails it when Chromium, classic Jupyter Notebook,
// gonb or goimports is missing then: a check that was asked for never skips.
func requireBrowser(t testing.TB) {
	t.Helper()
	if os.Getenv(browserEnv) != "1" {
		t.Skipf("set %s=1 to drive the explorer in headless Chromium (scripts/setup-notebooks.sh --browser installs it)", browserEnv)
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s=1 but no Chromium at %s (scripts/setup-notebooks.sh --browser installs it)", browserEnv, chromiumPath)
	}
	if err := exec.Command(python(), "-c", "import notebook.notebookapp").Run(); err != nil {
		t.Fatalf("%s=1 but %s has no classic Jupyter Notebook (scripts/setup-notebooks.sh --browser installs it): %v", browserEnv, python(), err)
	}
	for _, tool := range []string{"gonb", "goimports"} {
		if _, err := lookPath(tool); err != nil {
			t.Fatalf("%s=1 but %s is not on PATH or in $(go env GOPATH)/bin (run scripts/setup-notebooks.sh)", browserEnv, tool)
		}
	}
	if err := gonbKernel(); err != nil {
		t.Fatalf("%s=1 but %v", browserEnv, err)
	}
}

// jupyter is a running Notebook server.
type jupyter struct {
	base, token string
	logPath     string
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// startJupyter serves dir with classic Jupyter Notebook on a free port of 127.0.0.1 with a random token, in
// its own process group, with TMPDIR and JUPYTER_RUNTIME_DIR under work (so the kernels' files and GoNB's
// build folders stay there), and waits until it answers. env is added to the server's (and so the
// kernels') environment.
func startJupyter(ctx context.Context, r *reaper, dir, work string, env ...string) (*jupyter, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	j := &jupyter{base: fmt.Sprintf("http://127.0.0.1:%d", port), token: randomToken(), logPath: filepath.Join(work, "jupyter.log")}
	tmp, runtime := filepath.Join(work, "tmp"), filepath.Join(work, "runtime")
	for _, d := range []string{tmp, runtime} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	log, err := os.Create(j.logPath)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the child keeps its own descriptor
	cmd := exec.Command(python(), "-m", "notebook", "--no-browser", "--ip=127.0.0.1", fmt.Sprintf("--port=%d", port),
		"--port-retries=0", "--NotebookApp.token="+j.token, "--NotebookApp.password=", "--allow-root",
		"--notebook-dir="+dir)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"PATH=" + toolPath(), "TMPDIR=" + tmp, "JUPYTER_RUNTIME_DIR=" + runtime}, env...)...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting jupyter notebook: %w", err)
	}
	r.add(cmd.Process.Pid)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	status := j.base + "/api/status?token=" + j.token
	for deadline := time.Now().Add(60 * time.Second); ; {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("jupyter notebook exited while starting (%v):\n%s", err, j.logTail(20))
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if resp, err := http.Get(status); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return j, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("jupyter notebook did not answer %s within 60s:\n%s", j.base, j.logTail(20))
		}
	}
}

// notebookURL is the page of the notebook at path (relative to the served folder).
func (j *jupyter) notebookURL(path string) string {
	return j.base + "/notebooks/" + path + "?token=" + j.token
}

// logTail returns the last n lines of the server's (and the kernels') log.
func (j *jupyter) logTail(n int) string {
	data, _ := os.ReadFile(j.logPath)
	return lastLines(strings.ReplaceAll(string(data), j.token, "TOKEN"), n)
}

// devtools matches Chromium's line announcing its DevTools WebSocket.
var devtools = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// startChromium starts headless Chromium with a fresh profile under work, in its own process group, and
// returns its DevTools WebSocket URL.
func startChromium(ctx context.Context, r *reaper, work string) (string, error) {
	cmd := exec.Command(chromiumPath, append(chromiumFlags, "--user-data-dir="+filepath.Join(work, "chromium"), "about:blank")...)
	cmd.Env = append(os.Environ(), "TMPDIR="+filepath.Join(work, "tmp"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("starting chromium: %w", err)
	}
	r.add(cmd.Process.Pid)
	go cmd.Wait()
	found := make(chan string, 1)
	var head strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := devtools.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
			if head.Len() < 4000 {
				head.WriteString(sc.Text() + "\n")
			}
		}
		io.Copy(io.Discard, stderr) // keep draining, or Chromium blocks on a full pipe
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			return "", fmt.Errorf("chromium exited without a DevTools URL:\n%s", head.String())
		}
		return u, nil
	case <-time.After(30 * time.Second):
		return "", fmt.Errorf("chromium gave no DevTools URL within 30s")
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
