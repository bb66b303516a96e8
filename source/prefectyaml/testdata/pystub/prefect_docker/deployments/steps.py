"""Test stub of prefect-docker's deployment steps: returns what the real steps return without Docker."""


def build_docker_image(image_name, dockerfile="Dockerfile", tag=None, additional_tags=None, ignore_cache=False, **build_kwargs):
    tag = tag or "latest"
    return {
        "image_name": image_name,
        "tag": tag,
        "image": f"{image_name}:{tag}",
        "image_id": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "additional_tags": list(additional_tags or []),
    }


def push_docker_image(image_name, tag=None, credentials=None, additional_tags=None, ignore_cache=False):
    return {"image_name": image_name, "tag": tag, "image": f"{image_name}:{tag}", "additional_tags": list(additional_tags or [])}
