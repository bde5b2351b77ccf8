package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

// The streams in testdata were recorded with `go test -json` (Go 1.26) from a throwaway module
// example.com/demo:
//   - mixed.json: `go test -json ./...` over a package with a passing test that logs a progress line, a failing
//     test, skips with a message, a two-line message and none (t.SkipNow), in tests and subtests, a second
//     package whose test skips for want of the EG3D fixtures (pkg/checkpoint's wording), and a package without
//     tests;
//   - timeout-and-build-failure.json: `go test -json -timeout 2s` over a package whose second test logs a
//     progress line and sleeps past the timeout, and a package whose test does not compile.

// summarize runs the summarizer over a recorded stream and returns everything it printed.
func summarize(t *testing.T, file string, slow time.Duration) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out strings.Builder
	s := newSummarizer(&out, slow, "example.com/demo")
	if err := s.read(f); err != nil {
		t.Fatal(err)
	}
	s.summary()
	return out.String()
}

// inOrder checks that each of wants occurs in got, each after the previous one.
func inOrder(t *testing.T, got string, wants ...string) {
	t.Helper()
	rest := got
	for _, w := range wants {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("output lacks %q after the previous lines; output:\n%s", w, got)
		}
		rest = rest[i+len(w):]
	}
}

func TestSummaryOfPassFailAndSkips(t *testing.T) {
	got := summarize(t, "testdata/mixed.json", 20*time.Second)
	// Live lines, in the order the events came, then the summary.
	inOrder(t, got,
		"... ./alpha TestPasses: executing 01-walkthrough.ipynb (1 of 2)\n",
		"--- FAIL: ./alpha TestFails (0.00s)\n    alpha_test.go:11: before the failure\n    alpha_test.go:12: got 3, want 4\n",
		"--- SKIP: ./alpha TestFixtures: EG3D fixtures not found (../shared/fixtures/eg3d beside the repository); skipping parity check\n",
		"--- SKIP: ./alpha TestShort: -short: inverts two heads\n",
		"--- SKIP: ./alpha TestSubtests/skipped: set PMVI_NOTEBOOKS=1 to execute notebooks with Jupyter\n\t(two lines)\n",
		"--- SKIP: ./alpha TestSubtests/now: (no message: t.SkipNow or an empty t.Skip)\n",
		"FAIL\texample.com/demo/alpha\t0.008s\n",
		"ok  \texample.com/demo/beta\t0.009s\n",
		"?   \texample.com/demo/empty\t[no test files]\n",
		"\n== test summary:",
	)
	// Fast passing tests are not listed; the testing package's framing and bare PASS/FAIL lines are not copied.
	for _, no := range []string{"--- PASS", "=== RUN", "\nPASS\n", "\nFAIL\n", "an ordinary log line"} {
		if strings.Contains(got, no) {
			t.Errorf("output holds %q:\n%s", no, got)
		}
	}
	const summary = `
== test summary: 4 passed, 1 failed, 5 skipped (tests and subtests, in 3 packages)
failed:
  ./alpha: TestFails
skipped, by reason:
  [1] (no message: t.SkipNow or an empty t.Skip)
          ./alpha: TestSubtests/now
  [1] -short: inverts two heads
          ./alpha: TestShort
  [1] EG3D fixtures not found (../shared/fixtures/eg3d beside the repository); skipping parity check
          ./alpha: TestFixtures
  [1] EG3D fixtures not found at ../shared/fixtures/eg3d (relative to the repository root)
          ./beta: TestOther
  [1] set PMVI_NOTEBOOKS=1 to execute notebooks with Jupyter
      (two lines)
          ./alpha: TestSubtests/skipped
EG3D parity fixtures: 2 tests skipped without them.`
	if !strings.Contains(got, summary) {
		t.Errorf("summary:\n%s\nwant it to contain:\n%s", got[strings.Index(got, "\n== test summary"):], summary)
	}
	if !strings.Contains(got, "PMVI_FIXTURES") || !strings.Contains(got, "official PyTorch") {
		t.Errorf("the fixture note does not say where the fixtures come from or how to point at them:\n%s", got)
	}
}

func TestSlowPassesAreListed(t *testing.T) {
	got := summarize(t, "testdata/mixed.json", 0)
	inOrder(t, got, "--- PASS: ./alpha TestPasses (0.00s)\n", "--- PASS: ./alpha TestSubtests/ok (0.00s)\n",
		"--- PASS: ./alpha TestSubtests (0.00s)\n", "--- PASS: ./beta TestPasses (0.00s)\n")
}

func TestSummaryOfTimeoutAndBuildFailure(t *testing.T) {
	got := summarize(t, "testdata/timeout-and-build-failure.json", 20*time.Second)
	inOrder(t, got,
		"broken/broken_test.go:5:34: undefined: undefined\n", // build output, as is
		"FAIL\texample.com/demo/broken [build failed]\n",
		"... ./hang TestHangs: executing 05-table1.ipynb (5 of 8)\n", // live, before the timeout
		"--- UNFINISHED: ./hang TestHangs",
		"panic: test timed out after 2s\n", // what the unfinished test had logged
		"FAIL\texample.com/demo/hang\t2.006s\n",
		"== test summary: 1 passed, 0 failed, 0 skipped, 1 unfinished (tests and subtests, in 2 packages)\n",
		"packages that failed outside any test (build or vet error, panic, timeout): ./broken\n",
		"unfinished (their test binary failed while they ran):\n  ./hang: TestHangs\n",
	)
	if strings.Contains(got, "skipped, by reason") || strings.Contains(got, "EG3D parity fixtures") {
		t.Errorf("a run without skips lists skips or the fixture note:\n%s", got)
	}
}

// TestSplitLinesAndText: test2json splits long lines over several output events, and lines that are not JSON
// (the go command's own messages) are copied through.
func TestSplitLinesAndText(t *testing.T) {
	stream := `go: downloading example.com/x v1.0.0
{"Action":"run","Package":"example.com/demo/p","Test":"TestA"}
{"Action":"output","Package":"example.com/demo/p","Test":"TestA","Output":"    a_test.go:3: progress: exec"}
{"Action":"output","Package":"example.com/demo/p","Test":"TestA","Output":"uting 03-x.ipynb\n    a_test.go:4: set X=1 to "}
{"Action":"output","Package":"example.com/demo/p","Test":"TestA","Output":"run this\n"}
{"Action":"skip","Package":"example.com/demo/p","Test":"TestA"}
{"Action":"pass","Package":"example.com/demo/p","Elapsed":1}
`
	var out strings.Builder
	s := newSummarizer(&out, time.Minute, "example.com/demo")
	if err := s.read(strings.NewReader(stream)); err != nil {
		t.Fatal(err)
	}
	s.summary()
	inOrder(t, out.String(),
		"go: downloading example.com/x v1.0.0\n",
		"... ./p TestA: executing 03-x.ipynb\n",
		"--- SKIP: ./p TestA: set X=1 to run this\n",
		"0 passed, 0 failed, 1 skipped",
		"  [1] set X=1 to run this\n          ./p: TestA\n",
	)
}

func TestModulePath(t *testing.T) {
	if got := modulePath("../../go.mod"); got != "github.com/pmvi/pmvi" {
		t.Errorf("modulePath(go.mod) = %q", got)
	}
	if got := modulePath("no/such/go.mod"); got != "" {
		t.Errorf("modulePath of a missing file = %q, want \"\"", got)
	}
}
