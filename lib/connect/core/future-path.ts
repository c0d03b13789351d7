import { IConstruct } from 'constructs';

/** The path a construct will have once created as `id` in `scope`: for messages thrown before it joins the tree. */
export function futurePath(scope: IConstruct, id: string): string {
  return scope.node.path ? `${scope.node.path}/${id}` : id;
}
