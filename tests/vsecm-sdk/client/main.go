// vsecm-sdk-client: VSecM's own Go SDK (github.com/spiffe/vsecm-sdk-go, as published) run against
// our Safe, the way a VSecM user's workload runs it. Not our code under test: the SDK is.
//
//	vsecm-sdk-client fetch          prints the workload's secret (sentry.Fetch) and exits 0,
//	                                its created and updated fields on stderr; exit 3 when the
//	                                Safe has none (sentry.ErrSecretNotFound), 4 when the Safe's
//	                                answer carried an "err" (the SDK returns those as data)
//	vsecm-sdk-client watch SECONDS  runs sentry.Watch (writes VSECM_SIDECAR_SECRETS_PATH) for
//	                                SECONDS, then exits 0
//
// The SDK reads SPIFFE_ENDPOINT_SOCKET, VSECM_SAFE_ENDPOINT_URL, VSECM_SIDECAR_SECRETS_PATH,
// VSECM_SIDECAR_POLL_INTERVAL and VSECM_SPIFFEID_PREFIX_* itself.
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spiffe/vsecm-sdk-go/sentry"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: vsecm-sdk-client fetch | watch SECONDS")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "fetch":
		secret, err := sentry.Fetch()
		if errors.Is(err, sentry.ErrSecretNotFound) {
			fmt.Fprintln(os.Stderr, "vsecm-sdk-client: no secret:", err)
			os.Exit(3)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "vsecm-sdk-client: fetch failed:", err)
			os.Exit(1)
		}
		if secret.Err != "" {
			fmt.Fprintln(os.Stderr, "vsecm-sdk-client: the Safe answered with an error:", secret.Err)
			os.Exit(4)
		}
		fmt.Fprintf(os.Stderr, "created=%s\nupdated=%s\n", secret.Created, secret.Updated)
		fmt.Print(secret.Data)
	case "watch":
		if len(os.Args) < 3 {
			fmt.Fprintln(os.Stderr, "usage: vsecm-sdk-client watch SECONDS")
			os.Exit(2)
		}
		seconds, err := strconv.Atoi(os.Args[2])
		if err != nil || seconds <= 0 {
			fmt.Fprintln(os.Stderr, "vsecm-sdk-client: SECONDS must be a positive number")
			os.Exit(2)
		}
		go sentry.Watch()
		time.Sleep(time.Duration(seconds) * time.Second)
	default:
		fmt.Fprintln(os.Stderr, "vsecm-sdk-client: unknown command", os.Args[1])
		os.Exit(2)
	}
}
