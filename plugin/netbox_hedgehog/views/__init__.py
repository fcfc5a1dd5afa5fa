from .fabric import *  # noqa: F401,F403
from .gateway import *  # noqa: F401,F403
from .status import *  # noqa: F401,F403
from .sync import *  # noqa: F401,F403
from .topology import *  # noqa: F401,F403
from .vpc import *  # noqa: F401,F403
from .wiring import *  # noqa: F401,F403
