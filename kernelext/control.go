package kernelext

import (
	"fmt"
	"html"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/dom"
	"github.com/janpfeifer/gonb/gonbui/widgets"
)

// InteractiveEnv names the environment variable that makes controls live widgets (see Interactive).
const InteractiveEnv = "PMVI_INTERACTIVE"

// DefaultWireTimeout is how long a control waits for the browser to wire its widget when InteractiveEnv is
// "1" or "true".
const DefaultWireTimeout = 10 * time.Second

// Interactive reports whether controls created now try to become live widgets, and how long each waits for
// the front end to wire it before falling back to a static display.
//
// GoNB's widgets wait, without a timeout, until a browser has drawn them and sent their first value; with no
// browser (nbconvert, CI) they wait forever, and GoNB offers a program no reliable way to ask whether a
// browser is attached. So live widgets are opt-in: they are used only in a notebook whose kernel has
// PMVI_INTERACTIVE set, to "1" or "true" (wait DefaultWireTimeout) or to a Go duration such as "3s" (wait
// that long). Set it for the Jupyter server (PMVI_INTERACTIVE=1 jupyter notebook) or from a cell with GoNB's
// `%env PMVI_INTERACTIVE 1`. Even then a control never blocks longer than the wait.
func Interactive() (live bool, wait time.Duration) {
	return interactive(gonbui.IsNotebook, os.Getenv(InteractiveEnv))
}

func interactive(notebook bool, env string) (bool, time.Duration) {
	env = strings.TrimSpace(env)
	if !notebook || env == "" {
		return false, 0
	}
	if on, err := strconv.ParseBool(env); err == nil {
		if on {
			return true, DefaultWireTimeout
		}
		return false, 0
	}
	if d, err := time.ParseDuration(env); err == nil {
		return d > 0, max(d, 0)
	}
	return true, DefaultWireTimeout
}

// Control is a Slider or a Select, for Interact.
type Control interface {
	// Live reports whether a front end can change the control's value.
	Live() bool
	// subscribe returns a channel that receives a signal after each change (latest only) and is closed at
	// once when the control is static.
	subscribe() <-chan struct{}
}

// Interact calls render once with the controls' current values and returns, unless a control is live: then
// it calls render again after every change (several quick changes give one call) until render fails or the
// cell is interrupted. So a headless run (nbconvert, tests, the CLI) draws the defaults and goes on, and a
// live notebook redraws as the user moves a slider. render usually draws into an Output, so each call
// replaces the previous picture. Interact returns render's error.
func Interact(render func() error, controls ...Control) error {
	changed := make(chan struct{}, 1)
	live := false
	for _, c := range controls {
		if !c.Live() {
			continue
		}
		live = true
		ch := c.subscribe()
		go func() {
			for range ch {
				select {
				case changed <- struct{}{}:
				default:
				}
			}
		}()
	}
	if err := render(); err != nil || !live {
		return err
	}
	for range changed {
		if err := render(); err != nil {
			return err
		}
	}
	return nil
}

// control holds what Slider and Select share: whether they are live and who listens for changes.
type control struct {
	mu   sync.Mutex
	live bool
	subs []chan struct{}
}

func (c *control) Live() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}

func (c *control) subscribe() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan struct{}, 1)
	if !c.live {
		close(ch)
		return ch
	}
	c.subs = append(c.subs, ch)
	return ch
}

// notifyLocked signals every subscriber, dropping the signal where one is already pending. c.mu is held.
func (c *control) notifyLocked() {
	for _, ch := range c.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Slider is a numeric hyperparameter: a slider in a live notebook, its default value everywhere else.
type Slider struct {
	control
	label          string
	min, max, step float64
	value          float64
}

// NewSlider shows a slider labelled label over [min, max] in steps of step, set to value (clamped into
// the range), and returns it at once. In a live notebook (see Interactive) it is a GoNB widget whose moves
// change Value; otherwise a notebook shows the label, the value and the range as static text, and outside
// a notebook nothing is shown. It panics unless min < max and step > 0: a cell's literal is wrong.
func NewSlider(label string, min, max, step, value float64) *Slider {
	if !(min < max) || !(step > 0) {
		panic(fmt.Sprintf("kernelext: slider %q: range [%v, %v] step %v, want min < max and step > 0", label, min, max, step))
	}
	s := &Slider{label: label, min: min, max: max, step: step, value: math.Min(math.Max(value, min), max)}
	if !gonbui.IsNotebook {
		return s
	}
	if live, wait := Interactive(); live {
		if s.wire(wait) {
			return s
		}
		showStatic(fmt.Sprintf("(no front end wired the slider within %s: %s stays %s)", wait, html.EscapeString(label), formatFloat(s.value)))
		return s
	}
	showStatic(fmt.Sprintf("<b>%s</b> = %s <span style=\"color:#888\">(slider %s to %s by %s; static: set %s=1 in a live notebook to move it)</span>",
		html.EscapeString(label), formatFloat(s.value), formatFloat(min), formatFloat(max), formatFloat(step), InteractiveEnv))
	return s
}

// Value returns the slider's current value.
func (s *Slider) Value() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.value
}

// Changes returns a channel of the slider's new values, the latest only when several arrive before one is
// read. It is closed at once when the slider is static, so ranging over it never blocks headless.
func (s *Slider) Changes() <-chan float64 {
	return relay(s.subscribe(), s.Value)
}

// positions is the number of steps from min to max.
func (s *Slider) positions() int { return int(math.Round((s.max - s.min) / s.step)) }

// at returns the value at step position p, rounded to 12 significant digits so 0.1+3*0.1 reads 0.4.
func (s *Slider) at(p int) float64 {
	v := math.Min(s.min+float64(min(max(p, 0), s.positions()))*s.step, s.max)
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return r
}

// position returns the step position nearest v.
func (s *Slider) position(v float64) int {
	return min(max(int(math.Round((v-s.min)/s.step)), 0), s.positions())
}

// set changes the value, as the front end does, and signals the change.
func (s *Slider) set(v float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v != s.value {
		s.value = v
		s.notifyLocked()
	}
}

// wire shows the GoNB slider and waits up to wait for the browser to wire it; it reports whether it did.
func (s *Slider) wire(wait time.Duration) bool {
	parent := "pmvi_slider_" + gonbui.UniqueId()
	valueID := parent + "_value"
	gonbui.DisplayHTML(fmt.Sprintf(`<div id="%s"><b>%s</b> = <span id="%s">%s</span> </div>`,
		parent, html.EscapeString(s.label), valueID, formatFloat(s.value)))
	b := widgets.Slider(0, s.positions(), s.position(s.value)).AppendTo(parent)
	if !within(wait, func() { b.Done() }) {
		return false
	}
	updates := b.Listen().LatestOnly()
	s.mu.Lock()
	s.live = true
	s.mu.Unlock()
	go func() {
		for p := range updates.C {
			v := s.at(p)
			s.set(v)
			dom.SetInnerText(valueID, formatFloat(v))
		}
	}()
	return true
}

// Select is a choice among named options: a drop-down list in a live notebook, its default everywhere else.
type Select struct {
	control
	label   string
	options []string
	index   int
}

// NewSelect shows a choice labelled label among options, set to value, and returns it at once; like
// NewSlider it is a live widget only in a live notebook. It panics when options is empty or value is not
// one of them.
func NewSelect(label string, options []string, value string) *Select {
	i := slices.Index(options, value)
	if i < 0 {
		panic(fmt.Sprintf("kernelext: select %q: default %q is not one of %q", label, value, options))
	}
	s := &Select{label: label, options: slices.Clone(options), index: i}
	if !gonbui.IsNotebook {
		return s
	}
	if live, wait := Interactive(); live {
		if s.wire(wait) {
			return s
		}
		showStatic(fmt.Sprintf("(no front end wired the selection within %s: %s stays %s)", wait, html.EscapeString(label), html.EscapeString(value)))
		return s
	}
	showStatic(fmt.Sprintf("<b>%s</b> = %s <span style=\"color:#888\">(one of %s; static: set %s=1 in a live notebook to choose)</span>",
		html.EscapeString(label), html.EscapeString(value), html.EscapeString(strings.Join(options, ", ")), InteractiveEnv))
	return s
}

// Value returns the selected option.
func (s *Select) Value() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.options[s.index]
}

// Index returns the selected option's position in the options.
func (s *Select) Index() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.index
}

// Changes returns a channel of newly selected options, the latest only; closed at once when static.
func (s *Select) Changes() <-chan string {
	return relay(s.subscribe(), s.Value)
}

// set selects option i, as the front end does, and signals the change.
func (s *Select) set(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= 0 && i < len(s.options) && i != s.index {
		s.index = i
		s.notifyLocked()
	}
}

// wire shows the GoNB drop-down list and waits up to wait for the browser to wire it.
func (s *Select) wire(wait time.Duration) bool {
	parent := "pmvi_select_" + gonbui.UniqueId()
	gonbui.DisplayHTML(fmt.Sprintf(`<div id="%s"><b>%s</b> </div>`, parent, html.EscapeString(s.label)))
	escaped := make([]string, len(s.options))
	for i, o := range s.options {
		escaped[i] = html.EscapeString(o)
	}
	b := widgets.Select(escaped).SetDefault(s.index).AppendTo(parent)
	if !within(wait, func() { b.Done() }) {
		return false
	}
	updates := b.Listen().LatestOnly()
	s.mu.Lock()
	s.live = true
	s.mu.Unlock()
	go func() {
		for i := range updates.C {
			s.set(i)
		}
	}()
	return true
}

// relay turns change signals into values read with value, keeping only the latest unread one; the result
// is closed when signals is.
func relay[T any](signals <-chan struct{}, value func() T) <-chan T {
	out := make(chan T, 1)
	go func() {
		defer close(out)
		for range signals {
			v := value()
			select {
			case <-out: // drop the stale value
			default:
			}
			out <- v
		}
	}()
	return out
}

// within runs f in a goroutine and reports whether it returned within wait. A late f keeps running.
func within(wait time.Duration, f func()) bool {
	done := make(chan struct{})
	go func() {
		f()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(wait):
		return false
	}
}

// showStatic displays a control's static HTML line and makes sure it reached the notebook.
func showStatic(fragment string) {
	gonbui.DisplayHTML(`<div style="font-family:sans-serif;font-size:90%">` + fragment + `</div>`)
	gonbui.Sync()
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
