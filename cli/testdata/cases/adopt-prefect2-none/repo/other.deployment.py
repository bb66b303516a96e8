print("no deployments here")
