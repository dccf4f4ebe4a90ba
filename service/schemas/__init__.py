"""Request and response bodies (pydantic), by area: ``core`` (the REST API), ``pages`` (what
the phone pages post), ``errors`` (validation errors as one readable line). Everything is
importable from ``service.schemas``."""

from .core import *  # noqa: F403
from .errors import readable as readable
from .errors import validation_detail as validation_detail
from .links import *  # noqa: F403
from .pages import MAX_HELD_MS as MAX_HELD_MS
from .pages import ResidentAnswer as ResidentAnswer
from .pages import SignatureIn as SignatureIn
from .pages import StaffAnswer as StaffAnswer
from .pages import SubmissionKey as SubmissionKey
from .staff import *  # noqa: F403
from .tokens import *  # noqa: F403
