import { ormOptions } from './database/orm.js';

/** For the MikroORM CLI only (migration:create, migration:list); the service builds its own. */
export default ormOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cma');
