package release

import (
	"fmt"
	"os"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/CycloneDX/cyclonedx-gomod/pkg/generate/bin"
	"github.com/rs/zerolog"
)

// WriteSBOM writes a CycloneDX SBOM (JSON) of a built binary from the build
// information the Go linker put into it: the main module, every module
// linked in with its go.sum hash, and the Go standard library.
func WriteSBOM(path, binary string, v Version) error {
	g, err := bin.NewGenerator(binary, bin.WithIncludeStdlib(true), bin.WithLogger(zerolog.Nop()), bin.WithVersionOverride(v.Version))
	if err != nil {
		return fmt.Errorf("sbom: %w", err)
	}
	bom, err := g.Generate()
	if err != nil {
		return fmt.Errorf("sbom of %s: %w", binary, err)
	}
	if bom.Metadata != nil {
		bom.Metadata.Timestamp = v.CommitTime().Format("2006-01-02T15:04:05Z07:00")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := cdx.NewBOMEncoder(f, cdx.BOMFileFormatJSON).SetPretty(true)
	if err := enc.Encode(bom); err != nil {
		_ = f.Close()
		return fmt.Errorf("sbom: %w", err)
	}
	return f.Close()
}
