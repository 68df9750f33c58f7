package cases

// What the tests of package cases_test share with those of package cases.
var (
	RecordAndFold = do
	Fold          = fold
	Restored      = restored
)
