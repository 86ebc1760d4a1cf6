// Rows as SQLite returns them, and the store's objects made from them: JSON columns parsed,
// 0/1 made boolean, snake_case made camelCase.
import type {
  App,
  DesiredState,
  Lease,
  NodeInfo,
  NodeState,
  Replica,
  ReplicaHealth,
  StoredEvent,
} from "../store.ts";

export interface AppRow {
  name: string;
  generation: number;
  spec: string;
  labels: string;
  replicas: number | null;
  status: string | null;
  created_at: string;
  updated_at: string;
}

export function toApp(r: AppRow): App {
  return {
    name: r.name,
    generation: r.generation,
    spec: JSON.parse(r.spec),
    labels: JSON.parse(r.labels),
    replicas: r.replicas,
    status: r.status === null ? null : JSON.parse(r.status),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface ReplicaRow {
  app: string;
  idx: number;
  generation: number;
  container_id: string | null;
  node: string | null;
  desired: DesiredState;
  status: string | null;
  health: ReplicaHealth;
  ready: 0 | 1;
  ports: string;
  created_at: string;
  updated_at: string;
}

export function toReplica(r: ReplicaRow): Replica {
  return {
    app: r.app,
    index: r.idx,
    generation: r.generation,
    containerId: r.container_id,
    node: r.node,
    desired: r.desired,
    status: r.status,
    health: r.health,
    ready: r.ready === 1,
    ports: JSON.parse(r.ports),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface NodeRow {
  name: string;
  address: string | null;
  labels: string;
  capacity: string;
  state: NodeState;
  heartbeat_at: string;
}

export function toNode(r: NodeRow): NodeInfo {
  return {
    name: r.name,
    address: r.address,
    labels: JSON.parse(r.labels),
    capacity: JSON.parse(r.capacity),
    state: r.state,
    heartbeatAt: r.heartbeat_at,
  };
}

export interface EventRow {
  seq: number;
  time: string;
  kind: string;
  app: string | null;
  replica: number | null;
  container: string | null;
  type: string;
  message: string;
  details: string;
}

export function toEvent(r: EventRow): StoredEvent {
  return { ...r, details: JSON.parse(r.details) };
}

export interface LeaseRow {
  name: string;
  holder: string;
  acquired_at: number;
  expires_at: number;
}

export function toLease(r: LeaseRow): Lease {
  return { name: r.name, holder: r.holder, acquiredAt: r.acquired_at, expiresAt: r.expires_at };
}
