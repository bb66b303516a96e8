# Imported by acme-portal-sdk's aps-prefect-deploy from the directory it runs in.
from pathlib import Path

from acme_portal_sdk.prefect.flow_finder import PrefectFlowFinder

flow_finder = PrefectFlowFinder(root_dir=str(Path(__file__).parent.parent / "src" / "acme_shop"))
