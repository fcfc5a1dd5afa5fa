from .fabric import *  # noqa: F401,F403
from .gateway import *  # noqa: F401,F403
from .vpc import *  # noqa: F401,F403
from .wiring import *  # noqa: F401,F403
