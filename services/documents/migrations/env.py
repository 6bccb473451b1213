from services.common.migrations import run_env
from services.documents.models import Base

run_env([Base.metadata])
