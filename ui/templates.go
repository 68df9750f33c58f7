package ui

import (
	"html/template"
	"strings"

	"github.com/lhuta/lhuta/internal/buildinfo"
)

var funcs = template.FuncMap{
	"label":      label,
	"valueLabel": valueLabel,
	"czechDate":  czechDate,
	"czk":        czk,
	"thousands":  func(n int) string { return thousands(int64(n)) },
	"hasPrefix":  strings.HasPrefix,
	"build":      func() string { return buildinfo.Get().Short() },
	"kc":         func(n int) string { return thousands(int64(n)) + "\u00a0Kč" },
	"hasFieldErrors": func(fields []formField) bool {
		for _, f := range fields {
			if f.Error != "" {
				return true
			}
		}
		return false
	},
}

// pageNames are the console's pages, each a template of its own on the
// common layout.
var pageNames = []string{"login", "error", "find", "form", "case", "list", "dashboard", "citizen", "slip", "credits", "https", "continue"}

func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/payments.html", "templates/"+name+".html"))
	}
	return pages
}
