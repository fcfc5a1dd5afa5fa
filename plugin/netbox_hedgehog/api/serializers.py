from .serializers_.fabric import *  # noqa: F401,F403
from .serializers_.gateway import *  # noqa: F401,F403
from .serializers_.vpc import *  # noqa: F401,F403
from .serializers_.wiring import *  # noqa: F401,F403
