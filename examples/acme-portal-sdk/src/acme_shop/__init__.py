"""Example project in acme-portal-sdk's layout (see the README, "Coming from aps-prefect-deploy")."""
