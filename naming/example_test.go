package naming_test

import (
	"fmt"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
)

func Example() {
	n, err := naming.New("acme_prefect", "feature/ABC_12", "load-prices", "dev")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n)

	hourly, err := n.WithVariant("hourly")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(hourly)

	p, err := naming.Parse("acme-prefect--feature-ABC-12--load-prices.hourly--dev")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("project=%s branch=%s flow=%s variant=%s env=%s\n", p.Project, p.Branch, p.Flow, p.Variant, p.Env)

	_, err = naming.Parse("acme-prefect--feature/x--load-prices--dev")
	fmt.Println(err)

	v, _ := naming.TagValue([]string{"COMMIT_HASH=abc1234", "PACKAGE_VERSION=1.0.0=rc"}, naming.TagPackageVersion)
	fmt.Println(v)
	// Output:
	// acme-prefect--feature-ABC-12--load-prices--dev
	// acme-prefect--feature-ABC-12--load-prices.hourly--dev
	// project=acme-prefect branch=feature-ABC-12 flow=load_prices variant=hourly env=dev
	// failed to parse deployment name "acme-prefect--feature/x--load-prices--dev": branch "feature/x" is not sanitised (it would be "feature-x")
	// 1.0.0=rc
}
