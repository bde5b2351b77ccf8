package kernelext

import (
	"fmt"
	"html"
	"os"

	"github.com/janpfeifer/gonb/gonbui"
)

// IsNotebook reports whether the program runs as a GoNB notebook cell, with a front end (a browser or
// nbconvert) receiving its displays. Outside a notebook every Show does nothing but print text.
func IsNotebook() bool { return gonbui.IsNotebook }

// Sync waits until everything displayed so far has reached the notebook. Output sent just before a cell's
// program exits is otherwise sometimes lost; the Show functions already call it, so a cell needs it only
// after displaying through gonbui directly. It returns at once outside a notebook.
func Sync() { gonbui.Sync() }

// ShowText shows s as preformatted text: in a notebook as an HTML <pre> block, outside on standard output.
func ShowText(s string) {
	if !gonbui.IsNotebook {
		fmt.Fprintln(os.Stdout, s)
		return
	}
	gonbui.DisplayHTML("<pre>" + html.EscapeString(s) + "</pre>")
	gonbui.Sync()
}

// ShowMarkdown shows md rendered as Markdown (with $...$ math) in a notebook, and as is on standard output
// outside one.
func ShowMarkdown(md string) {
	if !gonbui.IsNotebook {
		fmt.Fprintln(os.Stdout, md)
		return
	}
	gonbui.DisplayMarkdown(md)
	gonbui.Sync()
}

// ShowHTML shows an HTML fragment in a notebook; outside one it does nothing (HTML is no text to print).
func ShowHTML(fragment string) {
	if !gonbui.IsNotebook {
		return
	}
	gonbui.DisplayHTML(fragment)
	gonbui.Sync()
}

// Output is one output area of a notebook cell whose content each call replaces, for pictures and numbers
// that change while a cell runs (a live render, the figure an interactive control redraws). The area appears
// at its first use; a notebook executed by nbconvert keeps the last content. Outside a notebook its methods
// do nothing.
type Output struct {
	id string
}

// NewOutput returns an output area that appears where it is first used.
func NewOutput() *Output {
	if !gonbui.IsNotebook {
		return &Output{}
	}
	return &Output{id: "pmvi_output_" + gonbui.UniqueId()}
}

// HTML replaces the area's content with an HTML fragment.
func (o *Output) HTML(fragment string) {
	if o.id == "" {
		return
	}
	gonbui.UpdateHTML(o.id, fragment)
	gonbui.Sync()
}

// Text replaces the area's content with preformatted text.
func (o *Output) Text(s string) { o.HTML("<pre>" + html.EscapeString(s) + "</pre>") }

// Show replaces the area's content with fig (and its caption).
func (o *Output) Show(fig *Figure) {
	if o.id == "" {
		return
	}
	o.HTML(fig.HTML())
}

// Clear empties the area.
func (o *Output) Clear() { o.HTML("") }
