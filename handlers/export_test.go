package handlers

// SetReadsPerStatement sets how many reads one INSERT keeps, so that a
// test can cross the bound with a short list; it returns the former value.
func SetReadsPerStatement(n int) int {
	return int(readsPerStatement.Swap(int64(n)))
}
