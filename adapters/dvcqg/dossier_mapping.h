// How a lienthong dossier reads at the National Public Service Portal: the objects of
// DongBoHoSoMC (a whole dossier) and CapNhatTienDoHoSoMC (one processing step). docs/dvcqg.md
// holds the same mapping as a table.
#pragma once

#include <map>
#include <string>

#include "lienthong/v1/dossier.pb.h"
#include "nlohmann/json.hpp"

namespace lienthong::adapters::dvcqg {

// Fields are sent in the order the portal's guide lists them.
using PortalJson = nlohmann::ordered_json;

// The province's code tables: where its codes differ from the national ones.
struct PortalCodes {
  // Local procedure code -> national MaTTHC; a code not listed is sent as it is.
  std::map<std::string, std::string> procedure_codes;
  // DossierStatus number -> the portal's status code; a status not listed is sent as its number.
  std::map<uint32_t, std::string> status_codes;

  std::string ProcedureCode(const std::string& local) const;
  std::string StatusCode(v1::DossierStatus status) const;
};

// One DongBoHoSoMC data object: the whole dossier as it is now.
PortalJson DossierObject(const v1::Dossier& dossier, const PortalCodes& codes);

// One CapNhatTienDoHoSoMC data object: step `index` of the dossier's history (0-based).
PortalJson ProgressObject(const v1::Dossier& dossier, int index, const PortalCodes& codes);

}  // namespace lienthong::adapters::dvcqg
