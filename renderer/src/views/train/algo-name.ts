import type { AlgoId } from '../../../../main/lab/domain/algorithms.ts';
import { useLabStore } from '../../stores/lab.ts';

/** An algorithm's name as Train shows it: the catalogue's, else its id in capitals. */
export function useAlgoName(): (id: AlgoId) => string {
  const lab = useLabStore();
  return (id) => lab.algo(id)?.name ?? id.toUpperCase();
}
