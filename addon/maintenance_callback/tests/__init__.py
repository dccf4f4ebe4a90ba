from . import test_category
from . import test_maintenance_request
from . import test_access
from . import test_notification
from . import test_translation
from . import test_service_link
