from services.common.audit import audit_metadata
from services.common.migrations import run_env
from services.feedback.models import Base

run_env([Base.metadata, audit_metadata])
