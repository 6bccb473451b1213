from services.applications.models import Base
from services.common.audit import audit_metadata
from services.common.migrations import run_env

run_env([Base.metadata, audit_metadata])
