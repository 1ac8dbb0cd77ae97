// Package negative holds the constructs the analyzer reports in
// workflows, in places where they are allowed: steps, durable.Do and
// SideEffect functions, and plain code no workflow calls.
package negative

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/durablegen/durable"
	"github.com/google/uuid"
)

//durable:step retries=3 timeout=10s
func Fetch(ctx context.Context, url string) (string, error) { // want Fetch:"step\\(retries=3 timeout=10s\\)"
	start := time.Now()
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var mu sync.Mutex
	mu.Lock()
	defer mu.Unlock()
	ch := make(chan int, 1)
	go func() { ch <- rand.Intn(10) }()
	<-ch
	fmt.Println(os.Getenv("HOME"), uuid.NewString(), time.Since(start))
	for k := range map[string]int{"a": 1} {
		fmt.Println(k)
	}
	return resp.Status, nil
}

//durable:workflow
func Clean(ctx durable.Context, url string) (string, error) { // want Clean:"workflow"
	now := durable.Now(ctx)
	id := durable.UUID(ctx)
	body, err := Fetch(ctx, url)
	if err != nil {
		return "", err
	}
	durable.Compensate(ctx, Fetch, "undo") // a step given to Compensate is not a call through a value
	v, err := durable.Do(ctx, "lookup", func(ctx context.Context) (string, error) {
		r := rand.New(rand.NewSource(time.Now().UnixNano())) // a locally seeded source inside a step
		return fmt.Sprint(r.Intn(10), os.Getenv("HOME"), uuid.New()), nil
	})
	if err != nil {
		return "", err
	}
	host := durable.SideEffect(ctx, func() string {
		h, _ := os.Hostname()
		return h
	})
	if err := durable.Sleep(ctx, time.Hour); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s %s %s %s", now.Format(time.RFC3339), id, body, v, host), nil
}

// Plain is not a workflow and no workflow calls it.
func Plain() string { // want Plain:"nondet DG001: calls time.Now"
	return time.Now().String() + os.Getenv("HOME")
}
