package postgres

// ListenSessions returns how many LISTEN sessions the store has
// established (1 after the first, 2 after a reconnect...).
func (s *Store) ListenSessions() int64 { return s.listen.sessions.Load() }

// Waiters returns how many callers are blocked in WaitForWork.
func (s *Store) Waiters() int64 { return s.listen.waiters.Load() }

// MigrationCount is the number of embedded migrations.
func MigrationCount() (int, error) {
	ms, err := migrations()
	return len(ms), err
}

// Channel returns the NOTIFY channel of s.
func Channel(s *Store) string { return s.channel }
