#include "rewind/postgres/error.hpp"

namespace rwd::postgres {

const char* to_string(MigrationCode code) {
  switch (code) {
    case MigrationCode::kFailed: return "MigrationFailed";
    case MigrationCode::kConnection: return "DatabaseUnreachable";
    case MigrationCode::kInvalid: return "InvalidMigration";
    case MigrationCode::kMissingDownScript: return "MissingDownScript";
    case MigrationCode::kDirty: return "SchemaDirty";
    case MigrationCode::kUnknownState: return "SchemaRevisionUnknown";
    case MigrationCode::kMigrationBlocked: return "MigrationBlocked";
    case MigrationCode::kStatementTimeout: return "MigrationTimedOut";
  }
  return "MigrationFailed";
}

}  // namespace rwd::postgres
