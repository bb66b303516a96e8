"""pydantic's own string types, and class attributes that use earlier ones."""
import ipaddress

from pydantic import AnyUrl, HttpUrl, SecretBytes, SecretStr

from prefect import flow


class Paths:
    ROOT = "/data"
    RAW = ROOT + "/raw"
    PARTS = [RAW, ROOT + "/clean"]


@flow
def pt_secret(token: SecretStr, raw: SecretBytes): pass
@flow
def pt_urls(endpoint: HttpUrl, other: AnyUrl): pass
@flow
def pt_ip(host: ipaddress.IPv4Address, net: ipaddress.IPv4Network): pass
@flow
def pt_class_scope(raw: str = Paths.RAW, parts: list = Paths.PARTS): pass
