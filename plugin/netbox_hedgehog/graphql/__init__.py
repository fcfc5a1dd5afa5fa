# NetBox loads a plugin's GraphQL schema from "<plugin>.graphql" attribute "schema".
from .schema import schema  # noqa: F401
