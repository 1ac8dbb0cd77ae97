package signature

import (
	"context"

	"github.com/durablegen/durable"
)

type In struct {
	Done chan bool
}

//durable:workflow
func NoContext(in string) (string, error) { return in, nil } // want NoContext:"workflow" `DG015: workflow NoContext must take a durable.Context as its first parameter`

//durable:workflow
func TooMany(ctx durable.Context, a, b string) (string, error) { return a + b, nil } // want TooMany:"workflow" `DG015: workflow TooMany takes 2 inputs`

//durable:workflow
func NoError(ctx durable.Context, a string) string { return a } // want NoError:"workflow" `DG015: workflow NoError must return \(T, error\)`

//durable:workflow
func BadInput(ctx durable.Context, in In) (int, error) { return 0, nil } // want BadInput:"workflow" `DG015: the input of workflow BadInput cannot be saved: a channel \(chan bool\) cannot be saved`

//durable:workflow
func BadOutput(ctx durable.Context, in string) (func(), error) { return nil, nil } // want BadOutput:"workflow" `DG015: the result of workflow BadOutput cannot be saved: a func value`

//durable:workflow
func Good(ctx durable.Context, in string) (string, error) { return in, nil } // want Good:"workflow"

//durable:step
func NoCtx(n int) (int, error) { return n, nil } // want NoCtx:"step" `DG015: step NoCtx must take a context.Context as its first parameter`

//durable:step
func Handle(ctx context.Context) (chan int, error) { return nil, nil } // want Handle:"step" `DG015: the result of step Handle is checkpointed but cannot be saved`

//durable:step
func OnlyErr(ctx context.Context) error { return nil } // want OnlyErr:"step"

//durable:step
func OnlyValue(ctx context.Context) int { return 1 } // want OnlyValue:"step"

//durable:step
func Nothing(ctx context.Context) {} // want Nothing:"step"

//durable:step
func TwoValues(ctx context.Context) (int, int) { return 1, 2 } // want TwoValues:"step"

//durable:step
func DivMod(ctx context.Context, a, b int) (q, r int, err error) { return a / b, a % b, nil } // want DivMod:"step"

//durable:step
func BadSecond(ctx context.Context) (int, chan int, error) { return 0, nil, nil } // want BadSecond:"step" `DG015: result 2 of step BadSecond is checkpointed but cannot be saved: a channel`
