// Package equiv holds workflows that cover every construct the compiler
// lowers. Its test runs each one directly and through its generated
// machine under the crash matrix of durabletest, and checks that they
// agree.
package equiv

//go:generate go run github.com/durablegen/durable/cmd/durablegen
