// The gophercloud proof client: Debian's gophercloud 0.12 (GOPATH mode, no
// modules) against ironic-compute through its Keystone v3 catalog. It walks one
// server's lifecycle with what Terraform-style Go tooling uses: password auth,
// the compute and image endpoints from the catalog, create with no networks,
// wait for ACTIVE, list, delete, wait for 404.
//
// Input: the usual OS_* variables plus FLAVOR_ID, IMAGE_ID and SERVER_NAME.
// Output: one JSON line per step on stdout ({"step":…,"ok":true,"ms":…});
// on the first failure a line with "ok":false and "error", a message on stderr,
// and exit code 1. test/openstack/gophercloud.test.ts builds and runs it.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gophercloud/gophercloud"
	"github.com/gophercloud/gophercloud/openstack"
	"github.com/gophercloud/gophercloud/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/openstack/imageservice/v2/images"
)

// `networks: "none"` needs 2.37; nothing in this walk needs more.
const computeMicroversion = "2.37"

const (
	activeTimeout = 120 * time.Second
	goneTimeout   = 120 * time.Second
	pollInterval  = 500 * time.Millisecond
)

// step runs one named step and prints its line; the first failure ends the program.
func step(name string, run func() (map[string]interface{}, error)) {
	started := time.Now()
	extra, err := run()
	line := map[string]interface{}{"step": name, "ok": err == nil, "ms": time.Since(started).Milliseconds()}
	for key, value := range extra {
		line[key] = value
	}
	if err != nil {
		err = detailed(err)
		line["error"] = err.Error()
	}
	encoded, marshalErr := json.Marshal(line)
	if marshalErr != nil {
		fail(name, marshalErr)
	}
	fmt.Println(string(encoded))
	if err != nil {
		fail(name, err)
	}
}

func fail(name string, err error) {
	fmt.Fprintf(os.Stderr, "gophercloud proof client: step %q failed: %v\n", name, err)
	os.Exit(1)
}

func required(name string) string {
	value := os.Getenv(name)
	if value == "" {
		fail("config", fmt.Errorf("environment variable %s is not set", name))
	}
	return value
}

// authOptions reads the OS_* variables. gophercloud 0.12's AuthOptionsFromEnv
// knows only OS_DOMAIN_NAME/OS_DOMAIN_ID (one domain for both the user and the
// project scope) and rejects OS_PROJECT_NAME without one of them; the
// OS_USER_DOMAIN_NAME/OS_PROJECT_DOMAIN_NAME of an openrc are read here:
// the user's domain becomes its DomainName, the project's its scope.
func authOptions() (gophercloud.AuthOptions, error) {
	userDomain := os.Getenv("OS_USER_DOMAIN_NAME")
	if os.Getenv("OS_DOMAIN_NAME") == "" && os.Getenv("OS_DOMAIN_ID") == "" && userDomain != "" {
		if err := os.Setenv("OS_DOMAIN_NAME", userDomain); err != nil {
			return gophercloud.AuthOptions{}, err
		}
	}
	options, err := openstack.AuthOptionsFromEnv()
	if err != nil {
		return options, err
	}
	if projectDomain := os.Getenv("OS_PROJECT_DOMAIN_NAME"); projectDomain != "" && options.TenantName != "" {
		options.Scope = &gophercloud.AuthScope{ProjectName: options.TenantName, DomainName: projectDomain}
	}
	return options, nil
}

// detailed adds the method, URL, status and body to gophercloud's terse
// "Resource not found"-style errors, so a failing step says which request failed.
func detailed(err error) error {
	var response gophercloud.ErrUnexpectedResponseCode
	switch e := err.(type) {
	case gophercloud.ErrDefault400:
		response = e.ErrUnexpectedResponseCode
	case gophercloud.ErrDefault401:
		response = e.ErrUnexpectedResponseCode
	case gophercloud.ErrDefault403:
		response = e.ErrUnexpectedResponseCode
	case gophercloud.ErrDefault404:
		response = e.ErrUnexpectedResponseCode
	case gophercloud.ErrDefault405:
		response = e.ErrUnexpectedResponseCode
	case gophercloud.ErrDefault409:
		response = e.ErrUnexpectedResponseCode
	case gophercloud.ErrDefault500:
		response = e.ErrUnexpectedResponseCode
	case gophercloud.ErrDefault503:
		response = e.ErrUnexpectedResponseCode
	default:
		return err
	}
	return fmt.Errorf("%v: %s", err, response.Error())
}

func isNotFound(err error) bool {
	var notFound gophercloud.ErrDefault404
	return errors.As(err, &notFound)
}

// waitForActive polls like servers.WaitForStatus but gives up at once on ERROR
// (WaitForStatus would wait out its timeout) and reports the last status seen.
func waitForActive(client *gophercloud.ServiceClient, id string) (*servers.Server, error) {
	deadline := time.Now().Add(activeTimeout)
	last := ""
	for {
		server, err := servers.Get(client, id).Extract()
		if err != nil {
			return nil, err
		}
		last = server.Status
		if server.Status == "ACTIVE" {
			return server, nil
		}
		if server.Status == "ERROR" {
			return nil, fmt.Errorf("server %s went to ERROR: %v", id, server.Fault)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("server %s not ACTIVE after %s (last status %s)", id, activeTimeout, last)
		}
		time.Sleep(pollInterval)
	}
}

func waitForGone(client *gophercloud.ServiceClient, id string) (int, error) {
	deadline := time.Now().Add(goneTimeout)
	polls := 0
	for {
		polls++
		server, err := servers.Get(client, id).Extract()
		if isNotFound(err) {
			return polls, nil
		}
		if err != nil {
			return polls, err
		}
		if time.Now().After(deadline) {
			return polls, fmt.Errorf("server %s still answers after %s (status %s)", id, goneTimeout, server.Status)
		}
		time.Sleep(pollInterval)
	}
}

func main() {
	flavorID := required("FLAVOR_ID")
	imageID := required("IMAGE_ID")
	serverName := required("SERVER_NAME")

	var provider *gophercloud.ProviderClient
	var compute, image *gophercloud.ServiceClient
	var serverID string

	step("auth", func() (map[string]interface{}, error) {
		options, err := authOptions()
		if err != nil {
			return nil, err
		}
		provider, err = openstack.AuthenticatedClient(options)
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"identity": provider.IdentityEndpoint}, nil
	})

	step("catalog", func() (map[string]interface{}, error) {
		var err error
		compute, err = openstack.NewComputeV2(provider, gophercloud.EndpointOpts{})
		if err != nil {
			return nil, fmt.Errorf("compute endpoint: %w", err)
		}
		compute.Microversion = computeMicroversion
		image, err = openstack.NewImageServiceV2(provider, gophercloud.EndpointOpts{})
		if err != nil {
			return nil, fmt.Errorf("image endpoint: %w", err)
		}
		return map[string]interface{}{"compute": compute.Endpoint, "image": image.Endpoint}, nil
	})

	step("image", func() (map[string]interface{}, error) {
		found, err := images.Get(image, imageID).Extract()
		if err != nil {
			return nil, err
		}
		if found.ID != imageID {
			return nil, fmt.Errorf("asked for image %s, got %s", imageID, found.ID)
		}
		return map[string]interface{}{"id": found.ID, "name": found.Name, "status": found.Status}, nil
	})

	step("create", func() (map[string]interface{}, error) {
		created, err := servers.Create(compute, servers.CreateOpts{
			Name:      serverName,
			FlavorRef: flavorID,
			ImageRef:  imageID,
			Networks:  "none",
		}).Extract()
		if err != nil {
			return nil, err
		}
		serverID = created.ID
		return map[string]interface{}{"id": created.ID}, nil
	})

	step("active", func() (map[string]interface{}, error) {
		server, err := waitForActive(compute, serverID)
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"id": server.ID, "status": server.Status, "name": server.Name}, nil
	})

	step("list", func() (map[string]interface{}, error) {
		pages, err := servers.List(compute, servers.ListOpts{}).AllPages()
		if err != nil {
			return nil, err
		}
		all, err := servers.ExtractServers(pages)
		if err != nil {
			return nil, err
		}
		for _, server := range all {
			if server.ID == serverID {
				return map[string]interface{}{"count": len(all), "status": server.Status}, nil
			}
		}
		return nil, fmt.Errorf("server %s not among the %d listed", serverID, len(all))
	})

	step("delete", func() (map[string]interface{}, error) {
		return nil, servers.Delete(compute, serverID).ExtractErr()
	})

	step("gone", func() (map[string]interface{}, error) {
		polls, err := waitForGone(compute, serverID)
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"id": serverID, "polls": polls}, nil
	})
}
