// Command testsummary reads `go test -json` on standard input, prints the usual pass/fail lines as they come,
// and ends with a summary: how many tests passed, failed and were skipped, the failed tests, and every skipped
// test with its skip reason (the t.Skip message), grouped by reason. scripts/test.sh pipes its go test through
// it, so a run that skips tests says so and says why.
//
//	go test -json ./... | go run ./scripts/testsummary
//
// Printed as it comes:
//   - each package's "ok", "FAIL" or "no test files" line, and any output of a test binary outside a test;
//   - a failed test's "--- FAIL" line and its output; a skipped test's "--- SKIP" line and its reason;
//   - "--- PASS" for tests (and subtests) that took at least -slow, so a long run shows progress;
//   - progress lines: a test's log line whose message starts with "progress: " (t.Logf("progress: ...")), shown
//     at once as "... ./pkg TestName: ..."; the notebook and browser tests log one as they start each notebook
//     or phase;
//   - build output (compile and vet errors) and input lines that are not JSON, unchanged.
//
// Tests still running when their package's test binary failed (a panic, or go test's -timeout) are listed as
// unfinished, with what they had logged. When tests skipped because the EG3D parity fixtures are missing, the
// summary says where those come from.
//
// The exit status is 0 whatever the tests did (scripts/test.sh exits with go test's own status), 2 when
// standard input cannot be read.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

func main() {
	slow := flag.Duration("slow", 20*time.Second, "print \"--- PASS\" for tests that took at least this long (0: every test)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: go test -json PACKAGES | go run ./scripts/testsummary [-slow DURATION]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	s := newSummarizer(os.Stdout, *slow, modulePath("go.mod"))
	if err := s.read(os.Stdin); err != nil {
		fmt.Fprintf(os.Stderr, "testsummary: reading go test -json: %v\n", err)
		s.summary()
		os.Exit(2)
	}
	s.summary()
}

// event is one line of `go test -json`: a test event (cmd/test2json's TestEvent) or a build event (go help
// buildjson), told apart by Action.
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	FailedBuild string
	ImportPath  string // build events
}

// progressPrefix starts the log messages that are printed as soon as they arrive.
const progressPrefix = "progress: "

// logLine matches a t.Log line: indentation, file:line, message.
var logLine = regexp.MustCompile(`^(\s*)[^\s:]+\.go:\d+: (.*)$`)

// framing matches the lines the testing package writes around tests.
var framing = regexp.MustCompile(`^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (PASS|FAIL|SKIP):) `)

// test is the state of one test or subtest.
type test struct {
	pkg, name string
	partial   string   // output after the last newline
	lines     []string // complete output lines, framing included
	done      bool
}

// skip is one skipped test and why.
type skip struct {
	pkg, name, reason string
}

type summarizer struct {
	w      io.Writer
	slow   time.Duration
	module string

	tests       map[[2]string]*test // by package and name
	order       []*test             // in the order they started
	pkgs        map[string]bool     // packages seen
	pkgOut      map[string]string   // a package's output after its last newline
	pkgFailLine map[string]string   // a package's "FAIL\tpkg\ttime" line, until its fail event
	pkgFail     []string            // packages that failed with no failed test: build error, panic, timeout

	passed, failed int
	failedTests    []*test
	skips          []skip
	unfinished     []*test
}

func newSummarizer(w io.Writer, slow time.Duration, module string) *summarizer {
	return &summarizer{w: w, slow: slow, module: module,
		tests: map[[2]string]*test{}, pkgs: map[string]bool{}, pkgOut: map[string]string{}, pkgFailLine: map[string]string{}}
}

// read handles every line of r.
func (s *summarizer) read(r io.Reader) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			s.line(line)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// line handles one input line: an event, or text that is copied through.
func (s *summarizer) line(line string) {
	var e event
	if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &e) != nil || e.Action == "" {
		fmt.Fprint(s.w, withNewline(line))
		return
	}
	s.event(e)
}

func (s *summarizer) event(e event) {
	switch e.Action {
	case "build-output":
		fmt.Fprint(s.w, e.Output)
		return
	case "build-fail":
		return // the package's fail event follows, with FailedBuild
	}
	if e.Package != "" {
		s.pkgs[e.Package] = true
	}
	if e.Test == "" {
		s.packageEvent(e)
		return
	}
	t := s.test(e.Package, e.Test)
	switch e.Action {
	case "output":
		s.output(t, e.Output)
	case "pass":
		t.done = true
		s.passed++
		if d := seconds(e.Elapsed); d >= s.slow {
			fmt.Fprintf(s.w, "--- PASS: %s %s (%.2fs)\n", s.pkgName(t.pkg), t.name, e.Elapsed)
		}
		t.lines = nil
	case "fail":
		t.done = true
		s.failed++
		s.failedTests = append(s.failedTests, t)
		fmt.Fprintf(s.w, "--- FAIL: %s %s (%.2fs)\n", s.pkgName(t.pkg), t.name, e.Elapsed)
		s.printLog(t)
		t.lines = nil
	case "skip":
		t.done = true
		reason := skipReason(t.logLines())
		s.skips = append(s.skips, skip{t.pkg, t.name, reason})
		fmt.Fprintf(s.w, "--- SKIP: %s %s: %s\n", s.pkgName(t.pkg), t.name, strings.ReplaceAll(reason, "\n", "\n\t"))
		t.lines = nil
	}
}

// packageEvent handles an event of a whole test binary.
func (s *summarizer) packageEvent(e event) {
	switch e.Action {
	case "output":
		text := s.pkgOut[e.Package] + e.Output
		for {
			i := strings.IndexByte(text, '\n')
			if i < 0 {
				break
			}
			switch l := text[:i]; {
			case l == "PASS" || l == "FAIL": // the "ok" or "FAIL\tpkg" line follows
			case strings.HasPrefix(l, "FAIL\t"+e.Package+"\t"):
				s.pkgFailLine[e.Package] = l // printed after the unfinished tests, by the fail event
			default:
				fmt.Fprintln(s.w, l)
			}
			text = text[i+1:]
		}
		s.pkgOut[e.Package] = text
	case "fail":
		if rest := s.pkgOut[e.Package]; rest != "" {
			fmt.Fprintln(s.w, rest)
			s.pkgOut[e.Package] = ""
		}
		defer func() {
			if l, ok := s.pkgFailLine[e.Package]; ok {
				fmt.Fprintln(s.w, l)
				delete(s.pkgFailLine, e.Package)
			}
		}()
		failedTest := false
		for _, t := range s.order {
			if t.pkg != e.Package {
				continue
			}
			if !t.done {
				t.done = true
				s.unfinished = append(s.unfinished, t)
				fmt.Fprintf(s.w, "--- UNFINISHED: %s %s (its test binary failed while it ran)\n", s.pkgName(t.pkg), t.name)
				s.printLog(t)
				failedTest = true
			}
		}
		for _, t := range s.failedTests {
			failedTest = failedTest || t.pkg == e.Package
		}
		if !failedTest || e.FailedBuild != "" {
			s.pkgFail = append(s.pkgFail, e.Package)
		}
	}
}

// test returns the state of a test, registering it when new.
func (s *summarizer) test(pkg, name string) *test {
	k := [2]string{pkg, name}
	t := s.tests[k]
	if t == nil {
		t = &test{pkg: pkg, name: name}
		s.tests[k] = t
		s.order = append(s.order, t)
	}
	return t
}

// output adds text to a test's output and prints its progress lines.
func (s *summarizer) output(t *test, text string) {
	text = t.partial + text
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			break
		}
		l := text[:i]
		t.lines = append(t.lines, l)
		if m := logLine.FindStringSubmatch(l); m != nil && strings.HasPrefix(m[2], progressPrefix) {
			fmt.Fprintf(s.w, "... %s %s: %s\n", s.pkgName(t.pkg), t.name, strings.TrimPrefix(m[2], progressPrefix))
		}
		text = text[i+1:]
	}
	t.partial = text
}

// logLines returns a test's output lines without the testing package's framing.
func (t *test) logLines() []string {
	lines := t.lines
	if t.partial != "" {
		lines = append(slices.Clone(lines), t.partial)
	}
	var out []string
	for _, l := range lines {
		if !framing.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

// printLog prints a test's output, without framing.
func (s *summarizer) printLog(t *test) {
	for _, l := range t.logLines() {
		fmt.Fprintln(s.w, l)
	}
}

// skipReason returns the last log message of a skipped test, continuation lines included: its t.Skip
// message.
func skipReason(lines []string) string {
	start := -1
	for i, l := range lines {
		if logLine.MatchString(l) {
			start = i
		}
	}
	if start < 0 {
		return "(no message: t.SkipNow or an empty t.Skip)"
	}
	m := logLine.FindStringSubmatch(lines[start])
	indent := len(m[1])
	reason := []string{m[2]}
	for _, l := range lines[start+1:] {
		trimmed := strings.TrimLeft(l, " \t")
		if len(l)-len(trimmed) <= indent || logLine.MatchString(l) {
			break
		}
		reason = append(reason, trimmed)
	}
	return strings.Join(reason, "\n")
}

// fixtureSkip recognizes the reasons of tests skipped for want of the EG3D fixtures (internal/fixture and
// pkg/checkpoint's own look-ups).
func fixtureSkip(reason string) bool { return strings.Contains(reason, "EG3D fixtures not found") }

// fixtureNote says where the EG3D parity fixtures come from (see internal/fixture and
// ../shared/fixtures/eg3d/README.md).
const fixtureNote = `EG3D parity fixtures: %d tests skipped without them. They are reference outputs of the official PyTorch
EG3D code (NVlabs/eg3d), made by a script kept outside this repository, and the tests read them from
../shared/fixtures/eg3d beside the checkout, which a fresh clone does not have. Put them there, or set
PMVI_FIXTURES to their folder (the tests of pkg/checkpoint and pkg/checkpoint/npy read only the path beside
the checkout).
`

// summary prints the counts, the failed and unfinished tests, the skipped tests grouped by reason, and the
// fixture note when it applies.
func (s *summarizer) summary() {
	w := s.w
	fmt.Fprintf(w, "\n== test summary: %d passed, %d failed, %d skipped", s.passed, s.failed, len(s.skips))
	if len(s.unfinished) > 0 {
		fmt.Fprintf(w, ", %d unfinished", len(s.unfinished))
	}
	fmt.Fprintf(w, " (tests and subtests, in %s)\n", plural(len(s.pkgs), "package"))
	if len(s.pkgFail) > 0 {
		names := make([]string, len(s.pkgFail))
		for i, p := range s.pkgFail {
			names[i] = s.pkgName(p)
		}
		fmt.Fprintf(w, "packages that failed outside any test (build or vet error, panic, timeout): %s\n", strings.Join(names, ", "))
	}
	s.list("failed", s.failedTests)
	s.list("unfinished (their test binary failed while they ran)", s.unfinished)
	if len(s.skips) == 0 {
		return
	}
	groups := map[string][]skip{}
	fixtures := 0
	for _, k := range s.skips {
		groups[k.reason] = append(groups[k.reason], k)
		if fixtureSkip(k.reason) {
			fixtures++
		}
	}
	reasons := make([]string, 0, len(groups))
	for r := range groups {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b string) int {
		if d := len(groups[b]) - len(groups[a]); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	fmt.Fprintf(w, "skipped, by reason:\n")
	for _, r := range reasons {
		fmt.Fprintf(w, "  [%d] %s\n", len(groups[r]), strings.ReplaceAll(r, "\n", "\n      "))
		byPkg := map[string][]string{}
		for _, k := range groups[r] {
			byPkg[k.pkg] = append(byPkg[k.pkg], k.name)
		}
		for _, p := range sortedKeys(byPkg) {
			slices.Sort(byPkg[p])
			fmt.Fprintf(w, "          %s: %s\n", s.pkgName(p), strings.Join(byPkg[p], ", "))
		}
	}
	if fixtures > 0 {
		fmt.Fprintf(w, fixtureNote, fixtures)
	}
}

// list prints tests under a heading, one line per package.
func (s *summarizer) list(heading string, tests []*test) {
	if len(tests) == 0 {
		return
	}
	byPkg := map[string][]string{}
	for _, t := range tests {
		byPkg[t.pkg] = append(byPkg[t.pkg], t.name)
	}
	fmt.Fprintf(s.w, "%s:\n", heading)
	for _, p := range sortedKeys(byPkg) {
		fmt.Fprintf(s.w, "  %s: %s\n", s.pkgName(p), strings.Join(byPkg[p], ", "))
	}
}

// pkgName returns a package's path relative to the module ("./pkg/camera"), or its import path when it is
// not in the module.
func (s *summarizer) pkgName(pkg string) string {
	switch {
	case s.module == "":
		return pkg
	case pkg == s.module:
		return "."
	case strings.HasPrefix(pkg, s.module+"/"):
		return "./" + strings.TrimPrefix(pkg, s.module+"/")
	}
	return pkg
}

// modulePath returns the module path declared in the go.mod file at path, or "".
func modulePath(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// plural returns "1 package", "2 packages".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func withNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}
