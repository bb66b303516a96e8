from acme_portal_sdk.prefect.flow_finder import PrefectFlowFinder

flow_finder = PrefectFlowFinder(root_dir="acme_adopt")
