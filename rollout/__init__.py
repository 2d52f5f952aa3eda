"""rollout: the Anexo I cutover schedule (Portaria Conjunta DIRBEN/DTI/INSS nº 96/2024) and its enforcement."""
