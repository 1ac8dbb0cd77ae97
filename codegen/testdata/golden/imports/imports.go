package imports

import (
	"context"
	str "strings"
	"time"

	"github.com/durablegen/durable"
)

//durable:step timeout=2s
func Fetch(ctx context.Context, url string) (Page, error) {
	return Page{URL: url, Body: str.ToUpper(url)}, nil
}

// Page is a fetched page.
type Page struct {
	URL     string
	Body    string
	Fetched time.Time
}

//durable:workflow
func Crawl(ctx durable.Context, urls []string) (map[string]int, error) {
	type entry struct {
		Page  Page
		Words int
	}
	const minWords = 1
	var entries []entry
	for _, u := range urls {
		p, err := Fetch(ctx, str.TrimSpace(u))
		if err != nil {
			return nil, err
		}
		if n := len(str.Fields(p.Body)); n >= minWords {
			entries = append(entries, entry{Page: p, Words: n})
		}
		if err := durable.Sleep(ctx, time.Second); err != nil {
			return nil, err
		}
	}
	out := map[string]int{}
	for _, e := range entries {
		out[e.Page.URL] = e.Words
	}
	return out, nil
}
