"""
Where a Connection keeps its ports: the one place that knows the shape of a Connection spec, for the models'
filter columns, the input checks and the pictures.
"""

__all__ = ("CONNECTION_TYPES", "connection_endpoints", "connection_links", "connection_ports", "connection_type")

# Every connection type in wiring.githedgehog.com_connections.yaml.
CONNECTION_TYPES = (
    "unbundled", "bundled", "mclag", "eslag", "mclagDomain", "fabric", "mesh", "gateway",
    "vpcLoopback", "external", "staticExternal",
)


def connection_ports(value, role=""):
    """Yield (role, port) for every `port` string under `value`; role is the key holding it."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "port" and isinstance(child, str):
                yield role, child
            else:
                yield from connection_ports(child, key)
    elif isinstance(value, list):
        for child in value:
            yield from connection_ports(child, role)


def connection_type(spec):
    if not isinstance(spec, dict):
        return ""
    return next((key for key in CONNECTION_TYPES if key in spec), "")


def connection_endpoints(spec):
    """(connection type, sorted "device/port" endpoints) of a Connection spec; ("", []) if it has no type."""
    conn_type = connection_type(spec)
    if not conn_type:
        return "", []
    return conn_type, sorted({port for _, port in connection_ports(spec[conn_type])})


def connection_links(spec):
    """
    (connection type, links) of a Connection spec, one entry per cable: (the key listing it — `link`, `links`,
    `peerLinks`, `sessionLinks` —, [(role, "device/port"), ...] in spec order). ("", []) if it has no type.
    """
    conn_type = connection_type(spec)
    body = spec[conn_type] if conn_type else None
    if not isinstance(body, dict):
        return conn_type, []
    links = []
    for key, value in body.items():
        items = [value] if key == "link" else value if isinstance(value, list) else []
        for item in items:
            ports = list(connection_ports(item)) if isinstance(item, dict) else []
            if ports:
                links.append((key, ports))
    return conn_type, links
