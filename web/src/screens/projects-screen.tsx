import { useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { ConsoleCreateProjectDocument, ConsoleProjectsDocument } from '../generated/graphql';
import { plainMessage } from '../lib/errors';
import { navigate, onLinkClick } from '../lib/router';
import { StatusBadge } from './status-badge';

/** The firm's projects, newest first, and a form to start a new one. */
export function ProjectsScreen() {
  const { data, loading, error } = useQuery(ConsoleProjectsDocument, { fetchPolicy: 'cache-and-network' });
  const [createProject] = useMutation(ConsoleCreateProjectDocument);
  const [createError, setCreateError] = useState<string | null>(null);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const clientName = String(form.get('clientName') ?? '').trim();
    try {
      const result = await createProject({
        variables: { input: { name: String(form.get('name') ?? ''), clientName: clientName || null } },
      });
      if (result.data) navigate(`/projects/${result.data.createProject.id}`);
    } catch (err) {
      setCreateError(plainMessage(err));
    }
  }

  return (
    <>
      <section className="card" aria-labelledby="new-project">
        <h1 id="new-project">New project</h1>
        <form className="inline" onSubmit={create}>
          <label>
            Project name
            <input name="name" required placeholder="Sharma Textiles FY24" />
          </label>
          <label>
            Client (optional)
            <input name="clientName" placeholder="Sharma Textiles Pvt Ltd" />
          </label>
          <button type="submit">Create project</button>
        </form>
        {createError && (
          <p className="error" role="alert">
            {createError}
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="projects-title">
        <h2 id="projects-title">Projects</h2>
        {error && (
          <p className="error" role="alert">
            {plainMessage(error)}
          </p>
        )}
        {loading && !data && <p>Loading…</p>}
        {data && data.projects.length === 0 && <p>No projects yet: create one above.</p>}
        {data && data.projects.length > 0 && (
          <div className="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Project</th>
                  <th scope="col">Client</th>
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                </tr>
              </thead>
              <tbody>
                {data.projects.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <a href={`/projects/${p.id}`} onClick={onLinkClick}>
                        {p.name}
                      </a>
                    </td>
                    <td>{p.clientName ?? '—'}</td>
                    <td>
                      <StatusBadge status={p.status} />
                    </td>
                    <td>{Math.round(p.progress * 100)}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
