package ioops

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"

	"github.com/durablegen/durable"
)

type Service struct {
	DB     *sql.DB
	Client *http.Client
}

//durable:workflow
func (s *Service) Sync(ctx durable.Context, url string) (int, error) { // want Sync:"workflow"
	data, err := os.ReadFile("config.json") // want `DG005: os.ReadFile in workflow code performs I/O that is repeated on resume and not checkpointed; move it into a step`
	if err != nil {
		return 0, err
	}
	resp, err := http.Get(url) // want `DG005: http.Get in workflow code sends a network request outside a step`
	if err != nil {
		return 0, err
	}
	body, _ := io.ReadAll(resp.Body)    // want `DG005: io.ReadAll reads from an HTTP body`
	_, _ = s.Client.Get(url)            // want `DG005: http.Client.Get`
	rows, err := s.DB.Query("SELECT 1") // want `DG005: sql.DB.Query in workflow code talks to a database outside a step`
	if err != nil {
		return 0, err
	}
	_ = rows
	_ = exec.Command("ls").Run()                   // want `DG005: exec.Command` `DG005: exec.Cmd.Run`
	fmt.Println("synced")                          // want `DG005: fmt.Println in workflow code writes output again on every resume`
	log.Printf("synced %d", 1)                     // want `DG005: log.Printf`
	fmt.Fprintln(os.Stderr, "x")                   // want `DG005: os.Stderr`
	conn, err := net.Dial("tcp", "example.com:80") // want `DG005: net.Dial`
	if err == nil {
		_, _ = io.Copy(io.Discard, conn) // want `DG005: io.Copy reads from a network connection`
	}
	msg := fmt.Sprintf("%d bytes", len(data)+len(body)) // formatting is pure
	return len(msg), s.Store(ctx, msg)
}

//durable:step
func (s *Service) Store(ctx context.Context, msg string) error { // want Store:"step"
	_, err := s.DB.ExecContext(ctx, "INSERT INTO log VALUES ($1)", msg)
	fmt.Println("stored")
	return err
}
